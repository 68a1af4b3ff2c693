import { connect, Socket } from 'node:net';
import { randomPng } from './support/images';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';
import { submitPng } from './support/submit';

/** A command Redis received from a client connection (not one a script ran), as MONITOR shows it. */
interface Received {
  source: string;
  command: string;
  args: string[];
}

/**
 * The submission path's Redis cost, counted where it is paid: MONITOR on the shared Redis, filtered
 * to this stack's QUEUE_PREFIX. Every command a connection sends is at most one round trip (a
 * pipeline sends several in one, so the count is an upper bound), and commands run inside a script
 * are not counted.
 */
describe('submission round trips (real api + Redis MONITOR)', () => {
  let stack: Stack;
  let monitor: Socket;
  const received: Received[] = [];

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
    // A plain socket, not ioredis' monitor(): on a busy shared Redis its monitor connection can see
    // lines before it has taken MONITOR's reply, and throws ("Command queue state error").
    const { hostname, port } = new URL(stack.redisUrl);
    monitor = connect({ host: hostname, port: Number(port || 6379) });
    let buffered = '';
    let monitoring = false;
    monitor.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const lines = buffered.split('\r\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK') monitoring = true;
        // +<time> [<db> <source>] "command" "arg" …
        const match = /^\+[\d.]+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
        if (!match || match[1] === 'lua' || !match[2].includes(stack.prefix)) continue;
        const args = [...match[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
        received.push({ source: match[1], command: args[0].toLowerCase(), args: args.slice(1) });
      }
    });
    await new Promise<void>((resolve, reject) => {
      monitor.once('error', reject);
      monitor.write('MONITOR\r\n', () => resolve());
    });
    await pollUntil(async () => (monitoring ? true : undefined), 5000, 'MONITOR');
  });
  afterAll(async () => {
    monitor?.destroy();
    await stack?.stop();
  });

  const submit = async () => submitPng(stack, await randomPng(64, 48, 3));

  it('POST /randomize sends three commands: the rate limit before the body, one submission script, bull add', async () => {
    // The first submission loads the scripts (EVAL once per connection); the second is the steady state.
    await submit();
    const seen = received.length;
    const token = await submit();
    // bull's add is the last step: once its job is in Redis, the commands of this submission are in.
    await pollUntil(
      async () => (received.slice(seen).some((c) => c.args.includes(token)) ? true : undefined),
      10_000,
      'the submission to reach Redis',
    );
    const ours = received.slice(seen);
    // Scripts all (EVAL the first time a connection sends one, EVALSHA after; bull's queues each
    // have a connection of their own, so which of them this add takes decides which it is).
    expect(ours.map((c) => c.command.replace(/^evalsha$/, 'eval'))).toEqual([
      'eval',
      'eval',
      'eval',
    ]);
    const [limit, submission, add] = ours;
    expect(limit.args.join(' ')).toContain(`${stack.prefix}:throttle:`);
    // taskSubmit: the client's four usage keys, the task record, the fair hash, the client's task index.
    expect(submission.args[1]).toBe('7');
    expect(submission.args.slice(2, 9)).toContain(`${stack.prefix}:task:${token}`);
    expect(submission.args.slice(2, 9)).toContain(`${stack.prefix}:fair`);
    expect(submission.args.slice(2, 9)).toContain(`${stack.prefix}:client:anonymous:tasks`);
    // bull's addJob: its queue's keys (randomize, or express for a client with nothing queued), the job id.
    expect(add.args.join(' ')).toMatch(new RegExp(`${stack.prefix}:(randomize|express):wait`));
    expect(add.args).toContain(token);
    // The record the script wrote is the one a worker would read.
    const redis = stack.redis();
    try {
      expect(await redis.hget(`${stack.prefix}:task:${token}`, 'status')).toBe('requested');
      expect(await redis.ttl(`${stack.prefix}:task:${token}`)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });
});
