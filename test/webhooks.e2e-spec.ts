import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { runCli } from './support/cli';
import { http, waitForTask } from './support/http';
import { randomPng } from './support/images';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';
import { postNumbers, submitNumbers, submitPng } from './support/submit';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Delivery {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

/**
 * The Standard Webhooks check, written out as the README documents it: HMAC-SHA256 over
 * `<id>.<timestamp>.<body>` keyed by the base64-decoded secret without `whsec_`, base64, `v1,` first.
 */
function verified(d: Delivery): boolean {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${d.id}.${d.timestamp}.${d.body}`)
    .digest('base64');
  return d.signature.split(' ').includes(`v1,${expected}`);
}

/**
 * A local receiver: /ok answers 200; /flaky answers 500 to the first two attempts of each
 * webhook-id; /hang never answers the first attempt of each webhook-id.
 */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private readonly hung: ServerResponse[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  of(token: string): Delivery[] {
    return this.deliveries.filter((d) => JSON.parse(d.body).token === token);
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const d: Delivery = {
      path: req.url ?? '',
      id: String(req.headers['webhook-id']),
      timestamp: String(req.headers['webhook-timestamp']),
      signature: String(req.headers['webhook-signature']),
      body: Buffer.concat(chunks).toString(),
    };
    this.deliveries.push(d);
    const seen = this.deliveries.filter((x) => x.id === d.id).length;
    if (d.path === '/flaky' && seen <= 2) return void res.writeHead(500).end();
    if (d.path === '/hang' && seen === 1) return void this.hung.push(res);
    res.writeHead(204).end();
  }
}

describe('webhooks (real api + worker + Redis, a local receiver)', () => {
  let stack: Stack;
  let png: Buffer;
  const receiver = new Receiver();

  beforeAll(async () => {
    png = await randomPng(64, 64, 3, 7);
    await receiver.start();
    // No worker at first: the cancel test needs a task that stays queued.
    stack = await Stack.start({
      workers: 0,
      env: {
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_TIMEOUT_MS: '1000',
        WEBHOOK_BACKOFF_MS: '100',
        WEBHOOK_MAX_ATTEMPTS: '4',
        WEBHOOK_POLL_MS: '100',
        RATE_LIMIT_PER_MINUTE: '10000',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  const cb = (target: string) => ({ query: { callbackUrl: target } });
  const settled = (kind: string, token: string) =>
    pollUntil(
      async () => {
        const { body } = await http<{ status: string; callback?: { state: string } }>(
          `${stack.url}/${kind}/${token}/status`,
        );
        return body.callback && body.callback.state !== 'pending' ? body : undefined;
      },
      30_000,
      `callback of ${token} to settle`,
    );
  const oneVerified = (token: string) => {
    const got = receiver.of(token);
    expect(got).toHaveLength(1);
    expect(verified(got[0])).toBe(true);
    expect(got[0].id).toBe(`msg_${token}`);
    return JSON.parse(got[0].body) as Record<string, unknown>;
  };

  it('delivers one signed callback for a cancelled task', async () => {
    const token = await submitPng(stack, png, cb(`${receiver.url}/ok`));
    expect((await http(`${stack.url}/randomize/${token}`, { method: 'DELETE' })).status).toBe(200);
    await stack.startWorker();
    const status = await settled('randomize', token);
    expect(status.callback).toEqual({ state: 'delivered', attempts: 1 });
    expect(oneVerified(token)).toMatchObject({ token, kind: 'randomize', status: 'cancelled' });
  });

  it('delivers one signed callback for a finished randomize task', async () => {
    const token = await submitPng(stack, png, cb(`${receiver.url}/ok`));
    const status = await settled('randomize', token);
    expect(status).toMatchObject({
      status: 'finished',
      callback: { state: 'delivered', attempts: 1 },
    });
    const body = oneVerified(token);
    expect(body).toMatchObject({ token, kind: 'randomize', status: 'finished' });
    expect(body.result).toEqual({ url: `/randomize/${token}/result` });
    expect(typeof body.leadTimeMs).toBe('number');
    expect(typeof body.executionMs).toBe('number');
  });

  it('delivers one signed callback for a finished and for an errored even-sum task', async () => {
    const ok = await submitNumbers(stack, '1 2 3 4\n-6,8\n', cb(`${receiver.url}/ok`));
    const bad = await submitNumbers(stack, '1 2 x7 4\n', cb(`${receiver.url}/ok`));
    await settled('even-sum', ok);
    await settled('even-sum', bad);
    expect(oneVerified(ok)).toMatchObject({
      status: 'finished',
      result: { sum: '8', evenCount: 4 },
    });
    const errored = oneVerified(bad);
    expect(errored).toMatchObject({ status: 'errored', kind: 'even-sum' });
    expect(typeof errored.error).toBe('string');
  });

  it('takes the callback URL from the CLI: tasks even-sum --callback-url, one signed delivery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhooks-cli-'));
    try {
      const file = join(dir, 'numbers.txt');
      writeFileSync(file, '10 -4 7\n');
      const run = await runCli(
        ['even-sum', file, '--upload', 'stream', '--callback-url', `${receiver.url}/ok`, '--json'],
        { TASKS_URL: stack.url },
      );
      expect(run.code).toBe(0);
      const { token, sum } = JSON.parse(run.stdout) as { token: string; sum: string };
      expect(sum).toBe('6');
      await settled('even-sum', token);
      expect(oneVerified(token)).toMatchObject({ status: 'finished', result: { sum: '6' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retries a receiver that fails twice: three attempts, one webhook-id', async () => {
    const token = await submitPng(stack, png, cb(`${receiver.url}/flaky`));
    const status = await settled('randomize', token);
    expect(status.callback).toEqual({
      state: 'delivered',
      attempts: 3,
      lastError: 'receiver answered 500',
    });
    const got = receiver.of(token);
    expect(got).toHaveLength(3);
    expect(new Set(got.map((d) => d.id))).toEqual(new Set([`msg_${token}`]));
    expect(got.every(verified)).toBe(true);
  });

  it('times out a receiver that hangs and retries', async () => {
    const token = await submitPng(stack, png, cb(`${receiver.url}/hang`));
    const status = await settled('randomize', token);
    expect(status.callback).toEqual({
      state: 'delivered',
      attempts: 2,
      lastError: 'no answer within 1000 ms',
    });
    expect(receiver.of(token)).toHaveLength(2);
  });

  it.each([
    ['a private literal address', 'http://10.0.0.1/hook', '(10.0.0.1)'],
    ['a name resolving to loopback', 'http://localhost:9/hook', 'localhost resolves to'],
  ])('refuses %s without retrying; the task still finishes', async (_, target, reason) => {
    const token = await submitPng(stack, png, cb(target));
    const status = await settled('randomize', token);
    expect(status.status).toBe('finished');
    const callback = status.callback as { state: string; attempts: number; lastError: string };
    expect(callback.state).toBe('failed');
    expect(callback.attempts).toBe(1);
    expect(callback.lastError).toContain(reason);
  });

  it('refuses a bad callbackUrl with 400 naming it', async () => {
    for (const bad of ['not a url', 'ftp://example.com/x', `https://e.com/${'a'.repeat(2048)}`]) {
      const res = await postNumbers(stack, '1 2\n', cb(bad));
      expect(res.status).toBe(400);
      expect(res.body.error).toContain('callbackUrl');
    }
  });

  it('shows no callback for a task submitted without one', async () => {
    const token = await submitNumbers(stack, '2\n');
    const status = await waitForTask(stack.url, 'even-sum', token);
    expect(status.callback).toBeUndefined();
  });

  it("lists a task's callback in GET /tasks as its status shows it, and none for a task without one", async () => {
    const hooked = await submitPng(stack, png, cb(`${receiver.url}/ok`));
    const status = await settled('randomize', hooked);
    const plain = await submitNumbers(stack, '4\n');
    await waitForTask(stack.url, 'even-sum', plain);
    const { body } = await http<{ tasks: Record<string, unknown>[] }>(
      `${stack.url}/tasks?limit=100`,
    );
    const entry = (token: string) => body.tasks.find((t) => t.token === token);
    expect(entry(hooked)?.callback).toEqual({ state: 'delivered', attempts: 1 });
    expect(entry(hooked)?.callback).toEqual(status.callback);
    expect(entry(plain)).toMatchObject({ token: plain, status: 'finished' });
    expect(entry(plain)).not.toHaveProperty('callback');
  });
});
