import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { storedEntries, withRedis } from '../support/faults';
import { http, waitForTask } from '../support/http';
import { randomPng } from '../support/images';
import { pollUntil } from '../support/poll';
import { privateTmpfs, seenBy } from '../support/private-tmpfs';
import { Stack } from '../support/stack';
import { postPng } from '../support/submit';
import { upload } from '../support/upload';

const MiB = 1024 * 1024;
/** statfs f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

/** A 5 MB even-sum file, streamed in 64 KiB pieces. */
const numbersFile = () =>
  Readable.from(
    (function* () {
      for (let i = 0; i < 80; i++) yield Buffer.alloc(64 * 1024, '12 ');
    })(),
  );

const taskKeys = (stack: Stack) => withRedis(stack, (r) => r.keys(`${stack.prefix}:task:*`));

// The api runs with a 1 MiB tmpfs of its own on DATA_DIR (a private mount namespace: no root needed
// where user namespaces are allowed); the test reads the api's view of it through /proc/<pid>/root.
const tmpfs = privateTmpfs();

describe('storage full (DATA_DIR on a 1 MiB tmpfs)', () => {
  if (!tmpfs.available) {
    // No way to mount a private tmpfs here (no user namespaces and not root): the two disk-full
    // cases cannot run. Said in the output with the reason, rather than skipped in silence.
    it('is not run here: this machine cannot give the api a tmpfs of its own', () => {
      console.warn(
        `storage-full tests NOT RUN: cannot mount a private tmpfs here (${tmpfs.reason})`,
      );
      expect(tmpfs.reason).toMatch(/\S/);
    });
    return;
  }

  let mountPoint: string;
  let stack: Stack;
  /** DATA_DIR as the api sees it: the tmpfs, not the empty directory under it on the host. */
  const apiDataDir = () => seenBy(stack.api.proc.pid!, mountPoint);

  beforeAll(async () => {
    // Made here, not when the file loads, so that a run that filters these tests out leaves nothing.
    mountPoint = mkdtempSync(join(tmpdir(), 'tasks-tmpfs-'));
    stack = await Stack.start({
      workers: 0,
      dataDir: mountPoint,
      wrapApi: (argv) => tmpfs.wrap(mountPoint, '1m', argv),
    });
    const fs = statfsSync(apiDataDir());
    expect({ type: fs.type, bytes: fs.blocks * fs.bsize }).toEqual({
      type: TMPFS_MAGIC,
      bytes: MiB,
    });
  });
  afterAll(async () => {
    // The tmpfs goes with the api's namespace: nothing to unmount.
    await stack?.stop();
    if (mountPoint) rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers 507 {error} to an upload that fills the disk, removes the partial file and records nothing', async () => {
    const reply = await upload(`${stack.url}/even-sum`, numbersFile());
    expect(reply.status).toBe(507);
    expect(reply.body).toEqual({ error: expect.stringMatching(/storage unavailable \(ENOSPC\)/) });
    expect(storedEntries(apiDataDir())).toEqual([]);
    expect(await taskKeys(stack)).toEqual([]);
  });

  it('still takes a small task once the space is free again', async () => {
    const reply = await postPng(stack, await randomPng(64, 64));
    expect(reply.status).toBe(201);
    // Stored on the api's tmpfs; the host's directory under it stays empty (nothing leaked out).
    expect(storedEntries(apiDataDir())).toContain(reply.body.token);
    expect(storedEntries(mountPoint)).toEqual([]);
    expect((await http(`${stack.url}/health/ready`)).status).toBe(200);
  });
});

describe('storage not writable (DATA_DIR is a regular file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasks-notdir-'));
  const dataFile = join(dir, 'not-a-directory');
  let stack: Stack;

  beforeAll(async () => {
    writeFileSync(dataFile, 'x');
    // Not ready by design: wait only for the processes to be live.
    stack = await Stack.start({ workers: 1, dataDir: dataFile, waitFor: 'live' });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports not ready (503) on both apps, naming the storage check but not the error or the path', async () => {
    for (const service of [stack.api, ...stack.workers]) {
      const ready = await http(`${service.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        error: { storage: { status: 'down', message: 'storage check failed' } },
      });
      expect(ready.bytes.toString()).not.toContain(dir);
      expect(ready.bytes.toString()).not.toMatch(/ENOTDIR|EEXIST|EACCES/);
      // The operator still finds the raw error in the log (its line may reach the pipe just after
      // the answer: pino writes asynchronously).
      const logged = () =>
        service.logs().some((l) => l.check === 'storage' && l.msg === 'readiness check failed');
      await pollUntil(async () => (logged() ? true : undefined), 10_000, 'the readiness log line');
      expect(service.logs()).toContainEqual(
        expect.objectContaining({ check: 'storage', msg: 'readiness check failed' }),
      );
    }
  });

  it('answers 507 {error} to an even-sum upload and to a PNG, and records nothing', async () => {
    const file = await upload(`${stack.url}/even-sum`, numbersFile());
    expect(file.status).toBe(507);
    expect(file.body).toEqual({ error: expect.stringMatching(/storage unavailable/) });
    const image = await postPng(stack, await randomPng(64, 64));
    expect(image.status).toBe(507);
    expect(image.body).toEqual({ error: expect.stringMatching(/storage unavailable/) });
    expect(await taskKeys(stack)).toEqual([]);
  });
});

describe('input blob missing at processing time', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(() => stack?.stop());

  it('ends randomize and even-sum tasks errored with the missing-input reason', async () => {
    const image = await postPng(stack, await randomPng(64, 64));
    const file = await upload(`${stack.url}/even-sum`, Readable.from(['2 4 6\n']));
    expect([image.status, file.status]).toEqual([201, 201]);
    const tasks = [
      ['randomize', image.body.token!],
      ['even-sum', file.body.token as string],
    ] as const;
    // Deleted between submission and processing (no worker yet): as if expired or removed by hand.
    for (const [, token] of tasks) await rm(join(stack.dataDir, token), { recursive: true });

    await stack.startWorker();
    for (const [kind, token] of tasks) {
      const final = await waitForTask(stack.url, kind, token, 30_000);
      expect(final).toMatchObject({
        status: 'errored',
        error: 'input file is missing from storage (expired or deleted)',
      });
    }
    // Not retried: a missing blob is permanent, so each job failed on its first attempt.
    const attempts = await withRedis(stack, (r) =>
      Promise.all(
        tasks.map(([kind, token]) => r.hget(`${stack.prefix}:${kind}:${token}`, 'attemptsMade')),
      ),
    );
    expect(attempts).toEqual(['1', '1']);
  });
});
