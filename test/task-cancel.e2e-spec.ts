import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { http, waitForTask } from './support/http';
import { randomPng } from './support/images';
import { storedFiles, withRedis } from './support/faults';
import { clientUsage } from './support/open-upload';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';
import { submitNumbers, submitPng } from './support/submit';
import { upload } from './support/upload';

const MiB = 1024 * 1024;
const CLIENTS = ['alice', 'bob'];
const keyOf = (client: string): Record<string, string> => ({
  authorization: `Bearer ${client}-key-0001`,
});
const alice = keyOf('alice');
const asAlice = { headers: alice };

/**
 * DELETE /<kind>/:token against the real api and worker processes: a queued or running task is
 * cancelled in one Redis step that every later worker step respects, its quota and blobs released
 * at once; an ended one is deleted.
 */
describe('cancelling and deleting tasks (real api + worker + Redis, STORAGE=fs)', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    // No worker at first: tasks stay queued until a test starts one.
    stack = await Stack.start({
      workers: 0,
      env: {
        API_KEYS: CLIENTS.map((c) => `${c}:${c}-key-0001`).join(','),
        // The 200 MB file below is one chunk of 13 parts of 16 MiB (a stored file's part size), read
        // 4 at a time: a chunk of at most 4 parts would have every part under way from its start.
        CHUNK_BYTES: String(256 * MiB),
        WORKER_CONCURRENCY: '1',
        MAX_UPLOAD_BYTES: String(300 * MiB),
        RATE_LIMIT_PER_MINUTE: '10000',
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'tasks-cancel-'));
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const filesOf = (token: string) => storedFiles(stack.dataDir).filter((f) => f.includes(token));
  const del = (kind: string, token: string, headers = alice) =>
    http(`${stack.url}/${kind}/${token}`, { method: 'DELETE', headers });
  const status = (kind: string, token: string, headers = alice) =>
    http(`${stack.url}/${kind}/${token}/status`, { headers });
  /** bull's job hashes of a task still in Redis (queued, delayed or running). */
  const jobsOf = (token: string) =>
    withRedis(stack, async (redis) =>
      (await redis.keys(`${stack.prefix}:*:${token}*`)).filter((k) => !k.includes(':task:')),
    );

  it('cancels a queued randomize task: 200, cancelled with cancelledAt, quota and blobs released, and a worker started later produces nothing', async () => {
    const token = await submitPng(stack, await randomPng(120, 120, 3), asAlice);
    expect(filesOf(token)).toHaveLength(1);
    expect(await clientUsage(stack, 'alice')).toMatchObject({ pending: 1 });
    expect((await jobsOf(token)).length).toBeGreaterThan(0);

    const res = await del('randomize', token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token, status: 'cancelled' });
    // At once, not after a sweep: the slot, the bytes, the blobs and the queued job.
    expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 0, pending: 0, uploads: 0 });
    expect(filesOf(token)).toEqual([]);
    expect(await jobsOf(token)).toEqual([]);
    const after = await status('randomize', token);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ status: 'cancelled' });
    expect(Date.parse(after.body.cancelledAt as string)).toBeGreaterThan(0);

    // A worker now takes everything queued: a task submitted after the cancel finishes, the
    // cancelled one stays cancelled with no output.
    await stack.startWorker();
    const later = await submitPng(stack, await randomPng(120, 120, 3, 2), asAlice);
    expect(await waitForTask(stack.url, 'randomize', later, 60_000, alice)).toMatchObject({
      status: 'finished',
    });
    expect((await status('randomize', token)).body).toMatchObject({ status: 'cancelled' });
    expect(filesOf(token)).toEqual([]);
    expect((await http(`${stack.url}/randomize/${token}/result`, { headers: alice })).status).toBe(
      404,
    );
    // Again: the same answer (idempotent), and still nothing counted.
    expect((await del('randomize', token)).body).toEqual({ token, status: 'cancelled' });
    // The finished one: deleted (204), then unknown.
    expect((await del('randomize', later)).status).toBe(204);
    expect((await status('randomize', later)).status).toBe(404);
    expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 0, pending: 0, uploads: 0 });
  });

  it("answers 404 for another client's task, an unknown or malformed token, and the wrong kind", async () => {
    await Promise.all(stack.workers.splice(0).map((w) => w.stop('SIGKILL')));
    const token = await submitPng(stack, await randomPng(120, 120, 3), asAlice);
    expect((await del('randomize', token, keyOf('bob'))).status).toBe(404);
    expect((await del('even-sum', token)).status).toBe(404);
    expect((await del('randomize', 'f'.repeat(32))).body).toEqual({ error: 'task not found' });
    expect((await del('randomize', 'not-a-token')).status).toBe(404);
    expect((await status('randomize', token)).body).toMatchObject({ status: 'requested' });
    expect((await del('randomize', token)).status).toBe(200);
  });

  it('cancels once when many DELETEs arrive at once: all 200, quota released once, the other tasks untouched', async () => {
    const keep = await submitNumbers(stack, '2 4 6\n', asAlice);
    const token = await submitNumbers(stack, '1 2 3 4\n', asAlice);
    expect(await clientUsage(stack, 'alice')).toMatchObject({ pending: 2, bytes: 6 + 8 });
    const replies = await Promise.all(Array.from({ length: 8 }, () => del('even-sum', token)));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    for (const r of replies) expect(r.body).toEqual({ token, status: 'cancelled' });
    expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 6, pending: 1, uploads: 0 });
    expect(filesOf(keep)).toHaveLength(1);
    expect((await del('even-sum', keep)).status).toBe(200);
  });

  it('deletes a finished task at once (204, then 404), and many DELETEs at once delete it once', async () => {
    await stack.startWorker();
    const token = await submitNumbers(stack, '10 20 31\n', asAlice);
    expect(await waitForTask(stack.url, 'even-sum', token, 60_000, alice)).toMatchObject({
      status: 'finished',
    });
    expect(filesOf(token)).toHaveLength(1);
    const replies = await Promise.all(Array.from({ length: 4 }, () => del('even-sum', token)));
    expect(replies.map((r) => r.status).sort()).toEqual([204, 404, 404, 404]);
    expect((await status('even-sum', token)).status).toBe(404);
    expect((await http(`${stack.url}/even-sum/${token}/result`, { headers: alice })).status).toBe(
      404,
    );
    expect(filesOf(token)).toEqual([]);
    expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 0, pending: 0, uploads: 0 });
    expect((await del('even-sum', token)).status).toBe(404);
    // Gone from the listing too (a cancelled task stays listed, as cancelled).
    const listed = await http<{ tasks: { token: string; status: string }[] }>(
      `${stack.url}/tasks?limit=100`,
      { headers: alice },
    );
    expect(listed.body.tasks.map((t) => t.token)).not.toContain(token);
    expect(listed.body.tasks.filter((t) => t.status === 'cancelled').length).toBeGreaterThan(0);
  });

  it('a DELETE racing the finish either cancels (no result, ever) or deletes the finished task', async () => {
    const outcomes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const token = await submitNumbers(stack, `${i * 2} 4 5\n`, asAlice);
      const res = await del('even-sum', token);
      outcomes.push(res.status);
      if (res.status === 200) {
        // Whatever the worker was doing, it writes nothing after this.
        await pollUntil(
          async () => ((await jobsOf(token)).length === 0 ? true : undefined),
          30_000,
          `the jobs of ${token} to leave`,
        );
        const after = await status('even-sum', token);
        expect(after.body).toMatchObject({ status: 'cancelled' });
        expect(after.body).not.toHaveProperty('finishedAt');
        const result = await http(`${stack.url}/even-sum/${token}/result`, { headers: alice });
        expect(result.body).toEqual({ message: 'not found', status: 'cancelled' });
      } else {
        expect(res.status).toBe(204);
        expect((await status('even-sum', token)).status).toBe(404);
      }
      expect(filesOf(token)).toEqual([]);
    }
    expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 0, pending: 0, uploads: 0 });
    expect(outcomes.every((s) => s === 200 || s === 204)).toBe(true);
  });

  it('cancels a running 200 MB even-sum: chunk scans stop at their next part, nothing is written, quota back and blobs gone at once', async () => {
    const file = join(dir, 'numbers-200MB.txt');
    await pipeline(
      // Numbers of up to 400 digits: the scanner's slower path, so the scan lasts long enough to
      // be seen running.
      generateNumbers({ bytes: 200_000_000, seed: 7, maxDigits: 400 }).stream,
      createWriteStream(file),
    );
    const size = statSync(file).size;
    const submitted = await upload(`${stack.url}/even-sum`, createReadStream(file), {
      headers: { ...alice, 'content-length': size },
    });
    expect(submitted.status).toBe(201);
    const token = submitted.body.token as string;
    // Running: the plan split the file and a chunk has reported scanned bytes.
    await pollUntil(
      async () => {
        const { body } = await status('even-sum', token);
        const progress = body.progress as { bytesDone: number } | undefined;
        if (body.status === 'finished') throw new Error('finished before it could be cancelled');
        return progress && progress.bytesDone > 0 ? true : undefined;
      },
      120_000,
      'the even-sum to be running',
    );
    // The worker frozen mid-scan (SIGSTOP), so that the cancel lands with parts still to start
    // however fast this machine scans; it resumes below.
    const worker = stack.workers[0];
    worker.proc.kill('SIGSTOP');
    let atCancel: Record<string, unknown>;
    try {
      const res = await del('even-sum', token);
      expect(res.status).toBe(200);
      expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 0, pending: 0, uploads: 0 });
      expect(filesOf(token)).toEqual([]);
      atCancel = (await status('even-sum', token)).body as Record<string, unknown>;
      expect(atCancel).toMatchObject({ status: 'cancelled' });
    } finally {
      worker.proc.kill('SIGCONT');
    }

    // The running chunk notices at its next part; the waiting ones were removed.
    await pollUntil(
      async () =>
        worker
          .logs()
          .some((l) => l.token === token && l.msg === 'chunk stopped at a part: its task ended')
          ? true
          : undefined,
      60_000,
      'the running chunk to stop',
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${worker
          .logs()
          .filter((l) => l.token === token)
          .map((l) => JSON.stringify(l).slice(0, 300))
          .join('\n')}`,
      );
    });
    await pollUntil(
      async () => ((await jobsOf(token)).length === 0 ? true : undefined),
      60_000,
      `the jobs of ${token} to leave`,
    );
    const after = await status('even-sum', token);
    expect(after.body).toEqual(atCancel);
    expect(after.body).not.toHaveProperty('finishedAt');
    await withRedis(stack, async (redis) => {
      expect(await redis.exists(`${stack.prefix}:task:${token}:chunks`)).toBe(0);
      expect(await redis.exists(`${stack.prefix}:task:${token}:progress`)).toBe(0);
      expect(await redis.hget(`${stack.prefix}:task:${token}`, 'sum')).toBeNull();
    });
    expect(filesOf(token)).toEqual([]);
    expect(await clientUsage(stack, 'alice')).toEqual({ bytes: 0, pending: 0, uploads: 0 });
  });
});
