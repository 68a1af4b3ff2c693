import { ClientRequest, IncomingMessage, request } from 'node:http';
import { waitForTask } from './support/http';
import { randomPng } from './support/images';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';

type Reply = { status: number; body: string };

/** A request on a connection of its own (no keep-alive pool), so the cluster places each anew. */
function send(
  url: string,
  method: string,
  type: string,
): { req: ClientRequest; reply: Promise<Reply> } {
  const req = request(url, { method, agent: false, headers: { 'content-type': type } });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return { req, reply };
}

const write = (req: ClientRequest, data: string) =>
  new Promise<void>((resolve) => req.write(data, () => resolve()));

describe('api with API_PROCESSES=2 (node:cluster, real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 1,
      env: { API_PROCESSES: '2', SHUTDOWN_TIMEOUT_MS: '15000' },
    });
  });
  afterAll(() => stack?.stop());

  /** pids of the api processes that logged a completed `method url` (the primary serves none). */
  const servedBy = (method: string, url: string): Set<number> =>
    new Set(
      stack.api
        .logs()
        .filter((l) => {
          const req = l.req as { method?: string; url?: string } | undefined;
          return l.msg === 'request completed' && req?.method === method && req?.url === url;
        })
        .map((l) => l.pid as number),
    );

  it('starts two api processes beside the primary, sharing the port', async () => {
    const listening = await pollUntil(
      async () => {
        // Logged through Nest's logger, whose second argument lands in `context`.
        const pids = stack.api.logs().filter((l) => l.context === 'api listening');
        return pids.length === 2 ? pids.map((l) => l.pid) : undefined;
      },
      20_000,
      'both api processes to listen',
    );
    expect(new Set(listening).size).toBe(2);
    expect(listening).not.toContain(stack.api.proc.pid);
  });

  it('serves submissions from both processes; every task finishes; /metrics counts all of them', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { req, reply } = send(`${stack.url}/randomize`, 'POST', 'image/png');
      req.end(await randomPng(64, 64, 3, i));
      const answer = await reply;
      expect(answer.status).toBe(201);
      tokens.push((JSON.parse(answer.body) as { token: string }).token);
    }
    for (const token of tokens)
      expect((await waitForTask(stack.url, 'randomize', token)).status).toBe('finished');
    const served = await pollUntil(
      async () => {
        const pids = servedBy('POST', '/randomize');
        return pids.size === 2 ? pids : undefined;
      },
      5000,
      'request logs from both processes',
    );
    expect(served.size).toBe(2);
    // Whichever process a scrape reaches answers for the cluster: the counter is the sum of both.
    for (let i = 0; i < 4; i++) {
      const { req, reply } = send(`${stack.url}/metrics`, 'GET', 'text/plain');
      req.end();
      const metrics = await reply;
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^tasks_submitted_total\{task="randomize"\} 6$/m);
    }
  });

  it('on SIGTERM both processes finish the uploads they hold, then the api exits 0', async () => {
    // Four connections, handed round robin: two uploads in each process.
    const uploads = Array.from({ length: 4 }, () =>
      send(`${stack.url}/even-sum`, 'POST', 'text/plain'),
    );
    for (const { req } of uploads) await write(req, '2 4 ');
    await pollUntil(
      async () => {
        const r = stack.redis();
        try {
          return (await r.zcard(`${stack.prefix}:client:anonymous:uploads`)) === 4
            ? true
            : undefined;
        } finally {
          r.disconnect();
        }
      },
      10_000,
      'the four uploads to open',
    );
    const exit = stack.api.stop('SIGTERM');
    // Closed for new connections while the uploads drain.
    await pollUntil(
      async () =>
        (await fetch(`${stack.url}/health/live`).then(
          () => false,
          () => true,
        ))
          ? true
          : undefined,
      10_000,
      'the api to stop accepting',
    );
    for (const { req } of uploads) req.end('6\n');
    const answers = await Promise.all(uploads.map((u) => u.reply));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    // Once the processes have exited, every log line they wrote has reached us.
    expect(await exit).toBe(0);
    expect(servedBy('POST', '/even-sum').size).toBe(2);
    const logs = stack.api.logs();
    expect(logs.filter((l) => l.msg === 'api cluster stopped')).toEqual([
      expect.objectContaining({ code: 0 }),
    ]);
    const token = (JSON.parse(answers[0].body) as { token: string }).token;
    // Stored and queued before the api left: the worker finishes it.
    const record = await pollUntil(
      async () => {
        const r = stack.redis();
        try {
          const hash = await r.hgetall(`${stack.prefix}:task:${token}`);
          return hash.status === 'finished' ? hash : undefined;
        } finally {
          r.disconnect();
        }
      },
      20_000,
      'the task to finish',
    );
    expect(record.sum).toBe('12');
  });
});
