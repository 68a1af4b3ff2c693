import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

// The Lambda is plain JavaScript (it is its own asset, no bundling); checkJs types it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sut =
  require('../lib/lambda/queue-depth/index.js') as typeof import('../lib/lambda/queue-depth/index.js');

const QUEUES = ['randomize', 'even-sum', 'even-sum-chunk'];

/** A server that answers each RESP command with the integer `values[key]` (0 for unknown keys). */
function fakeRedis(values: Record<string, number>, opts: { splitReplies?: boolean } = {}) {
  const seen: string[][] = [];
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      // Commands arrive as *2\r\n$4\r\nLLEN\r\n$N\r\n<key>\r\n
      const re = /\*2\r\n\$\d+\r\n(\w+)\r\n\$\d+\r\n([^\r]*)\r\n/g;
      let m: RegExpExecArray | null;
      let consumed = 0;
      const replies: string[] = [];
      while ((m = re.exec(buffered))) {
        seen.push([m[1], m[2]]);
        replies.push(`:${values[m[2]] ?? 0}\r\n`);
        consumed = re.lastIndex;
      }
      buffered = buffered.slice(consumed);
      const out = replies.join('');
      if (opts.splitReplies) {
        // Byte by byte: the client must reassemble replies split across reads.
        for (const ch of out) socket.write(ch);
      } else {
        socket.write(out);
      }
    });
  });
  return new Promise<{ port: number; seen: string[][]; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, seen, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const env = (port: number) => ({
  REDIS_HOST: '127.0.0.1',
  REDIS_PORT: String(port),
  REDIS_TLS: 'false',
  QUEUE_PREFIX: '{tasks}',
  QUEUE_NAMES: QUEUES.join(','),
  METRIC_NAMESPACE: 'TaskService',
  DEPLOYMENT: 'TaskService',
});

describe('queue-depth Lambda', () => {
  describe('RESP', () => {
    it('encodes a command as an array of bulk strings, lengths in bytes', () => {
      expect(sut.encodeCommand(['LLEN', '{tasks}:randomize:wait'])).toBe(
        '*2\r\n$4\r\nLLEN\r\n$22\r\n{tasks}:randomize:wait\r\n',
      );
      expect(sut.encodeCommand(['GET', 'é'])).toBe('*2\r\n$3\r\nGET\r\n$2\r\né\r\n');
    });

    it('parses integers, strings, nil and errors, and keeps an incomplete tail', () => {
      const { replies, rest } = sut.parseReplies(
        Buffer.from(':12\r\n+OK\r\n$-1\r\n-WRONGTYPE bad\r\n$5\r\nhello\r\n$10\r\npart'),
      );
      expect(replies.slice(0, 3)).toEqual([12, 'OK', null]);
      expect(replies[3]).toEqual(new Error('WRONGTYPE bad'));
      expect(replies[4]).toBe('hello');
      expect(rest.toString()).toBe('$10\r\npart');
    });

    it('reads bull 4 keys: wait, paused and active lists, delayed sorted set', () => {
      expect(sut.queueCommands('{tasks}', 'even-sum-chunk')).toEqual([
        ['LLEN', '{tasks}:even-sum-chunk:wait'],
        ['LLEN', '{tasks}:even-sum-chunk:paused'],
        ['LLEN', '{tasks}:even-sum-chunk:active'],
        ['ZCARD', '{tasks}:even-sum-chunk:delayed'],
      ]);
    });
  });

  describe('emfDocuments', () => {
    it('emits the total under {Deployment} and each queue under {Deployment, Queue}', () => {
      const docs = sut.emfDocuments(
        [
          { queue: 'randomize', waiting: 3, active: 2, delayed: 1 },
          { queue: 'even-sum-chunk', waiting: 70, active: 8, delayed: 0 },
        ],
        { namespace: 'TaskService', deployment: 'prod', timestamp: 1700000000000 },
      ) as any[];
      expect(docs).toHaveLength(3);
      expect(docs[0]).toEqual({
        _aws: {
          Timestamp: 1700000000000,
          CloudWatchMetrics: [
            {
              Namespace: 'TaskService',
              Dimensions: [['Deployment']],
              Metrics: [
                { Name: 'QueueDepth', Unit: 'Count' },
                { Name: 'ActiveJobs', Unit: 'Count' },
                { Name: 'DelayedJobs', Unit: 'Count' },
              ],
            },
          ],
        },
        Deployment: 'prod',
        QueueDepth: 73,
        ActiveJobs: 10,
        DelayedJobs: 1,
      });
      expect(docs[2]).toMatchObject({
        Queue: 'even-sum-chunk',
        QueueDepth: 70,
        Deployment: 'prod',
      });
      expect(docs[2]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Deployment', 'Queue']]);
    });
  });

  describe('publishQueueDepth', () => {
    it('counts waiting as wait + paused, pipelined on one connection, and writes one JSON line per document', async () => {
      const redis = await fakeRedis(
        {
          '{tasks}:randomize:wait': 4,
          '{tasks}:randomize:paused': 1,
          '{tasks}:randomize:active': 2,
          '{tasks}:even-sum-chunk:wait': 80,
          '{tasks}:even-sum-chunk:active': 4,
          '{tasks}:even-sum-chunk:delayed': 3,
        },
        { splitReplies: true },
      );
      try {
        const lines: string[] = [];
        const counts = await sut.publishQueueDepth({
          env: env(redis.port),
          write: (l) => lines.push(l),
          now: () => 42,
        });
        expect(counts).toEqual([
          { queue: 'randomize', waiting: 5, active: 2, delayed: 0 },
          { queue: 'even-sum', waiting: 0, active: 0, delayed: 0 },
          { queue: 'even-sum-chunk', waiting: 80, active: 4, delayed: 3 },
        ]);
        expect(redis.seen).toHaveLength(12);
        expect(lines).toHaveLength(4);
        for (const line of lines) expect(line.endsWith('\n')).toBe(true);
        expect(JSON.parse(lines[0])).toMatchObject({
          QueueDepth: 85,
          ActiveJobs: 6,
          DelayedJobs: 3,
          _aws: { Timestamp: 42 },
        });
      } finally {
        await redis.close();
      }
    });

    it('fails (no metric, not a false zero) when Redis is unreachable', async () => {
      const closed = await fakeRedis({});
      await closed.close();
      await expect(
        sut.publishQueueDepth({ env: env(closed.port), write: () => undefined }),
      ).rejects.toThrow();
    });

    it('fails when a key holds the wrong type', async () => {
      const server = net.createServer((socket) =>
        socket.on('data', () => socket.write('-WRONGTYPE Operation against a key\r\n'.repeat(12))),
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      try {
        const port = (server.address() as net.AddressInfo).port;
        await expect(
          sut.publishQueueDepth({ env: env(port), write: () => undefined }),
        ).rejects.toThrow(/WRONGTYPE/);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it('names a missing setting', () => {
      expect(() => sut.settingsFrom({ ...env(1), QUEUE_PREFIX: undefined })).toThrow(
        'QUEUE_PREFIX',
      );
    });
  });

  // Against a real Redis when one is installed (it is on the project's machines): the same keys bull writes.
  const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
  (hasRedis ? describe : describe.skip)('against redis-server', () => {
    let server: ChildProcess;
    const port = 20000 + Math.floor(Math.random() * 20000);

    beforeAll(async () => {
      server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 100; i++) {
        const up = await new Promise<boolean>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
          s.on('error', () => resolve(false));
        });
        if (up) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('redis-server did not start');
    });
    afterAll(() => {
      server?.kill();
    });

    const send = (commands: string[][]) =>
      new Promise<void>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () =>
          s.write(commands.map(sut.encodeCommand).join('')),
        );
        let got = 0;
        s.on('data', (d) => {
          got += sut.parseReplies(d).replies.length;
          if (got >= commands.length) (s.destroy(), resolve());
        });
        s.on('error', reject);
      });

    it('reads list and sorted-set lengths of a hash-tagged prefix', async () => {
      await send([
        ['RPUSH', '{tasks}:randomize:wait', '1', '2', '3'],
        ['RPUSH', '{tasks}:randomize:active', '4'],
        ['ZADD', '{tasks}:even-sum:delayed', '1', '5'],
        ['RPUSH', '{tasks}:even-sum-chunk:paused', '6', '7'],
      ]);
      const counts = await sut.readQueueCounts({
        host: '127.0.0.1',
        port,
        tls: false,
        timeoutMs: 2000,
        prefix: '{tasks}',
        queues: QUEUES,
      });
      expect(counts).toEqual([
        { queue: 'randomize', waiting: 3, active: 1, delayed: 0 },
        { queue: 'even-sum', waiting: 0, active: 0, delayed: 1 },
        { queue: 'even-sum-chunk', waiting: 2, active: 0, delayed: 0 },
      ]);
    });
  });
});
