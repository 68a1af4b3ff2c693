import { JobName } from '@app/tasks/queues';
import { TaskKind } from '@app/tasks/contract';
import { PngHeader, pngOutputBound } from '@app/tasks/randomize';
import { TaskRecord } from '@app/tasks/records';
import type { Admission } from './task-admission.service';
import { TaskSubmitter } from './task-submitter.service';

describe(TaskSubmitter.name, () => {
  const created: TaskRecord[] = [];
  const config = { chunkBytes: 100 };
  const store = { delete: jest.fn() };
  const queue = { add: jest.fn(async () => undefined) };
  const blobs = { deletePrefix: jest.fn() };
  const metrics = { uploadBytes: { inc: jest.fn() } };
  const usage = { reserve: jest.fn(async () => 'ok'), cancel: jest.fn(async () => undefined) };
  const admission = {
    admit: jest.fn(async (r: TaskRecord, ..._rest: unknown[]): Promise<Admission> => {
      created.push(r);
      return { outcome: 'ok', fair: { tag: 40, priority: 41 } };
    }),
  };
  const sut = new TaskSubmitter(
    config as never,
    store as never,
    queue as never,
    blobs as never,
    metrics as never,
    usage as never,
    admission as never,
    { run: (_what: string, _token: string, step: () => Promise<unknown>) => step() } as never,
  );
  const token = 'a'.repeat(32);
  /** An even-sum submission of `client`, `bytes` long. */
  const evenSumSubmission = (client: string, bytes = 1) => ({
    token,
    task: TaskKind.EvenSum as const,
    client,
    requestedAt: 1,
    inputKey: `${token}/input.txt`,
    bytes,
  });
  const header: PngHeader = { width: 10, height: 20, bitDepth: 8, colorType: 2, interlaced: false };
  /** A 9-byte PNG of 10 × 20 RGB pixels, requested at `requestedAt`. */
  const imageSubmission = (requestedAt: number) => ({
    token,
    task: TaskKind.Randomize as const,
    client: 'anonymous',
    requestedAt,
    inputKey: `${token}/input.png`,
    bytes: 9,
    header,
    blockSize: 60,
  });

  beforeEach(() => jest.clearAllMocks());

  it('carries the request stamp into the task record, then enqueues a reference-only job at its fair priority', async () => {
    await sut.submit(imageSubmission(1234));
    expect(created[0]).toMatchObject({ token, requestedAt: 1234, status: 'requested', bytes: 9 });
    expect(created[0].enqueuedAt).toBeGreaterThanOrEqual(1234);
    expect(admission.admit).toHaveBeenCalledWith(expect.anything(), expect.any(Number), {
      queue: 'randomize',
      unit: { kind: 'image', rawBytes: 10 * 20 * 3, height: 20 },
    });
    expect(queue.add).toHaveBeenCalledWith(
      JobName.Randomize,
      { token, inputKey: `${token}/input.png`, blockSize: 60, tag: 40 },
      { jobId: token, priority: 41 },
    );
    expect(metrics.uploadBytes.inc).toHaveBeenCalledWith({ task: 'randomize' }, 9);
  });

  it('reserves an image with the bound of its result, which counts against the stored bytes too', async () => {
    await sut.submit(imageSubmission(1));
    expect(admission.admit).toHaveBeenCalledWith(
      expect.objectContaining({ client: 'anonymous', token }),
      9 + pngOutputBound(header),
      expect.anything(),
    );
  });

  it('hands the fairness policy a file as its size (the policy prices one chunk or a plan)', async () => {
    await sut.submit(evenSumSubmission('anonymous', config.chunkBytes));
    await sut.submit(evenSumSubmission('anonymous', config.chunkBytes + 1));
    expect(admission.admit.mock.calls.map(([, , unit]) => unit)).toEqual([
      { queue: 'even-sum', unit: { kind: 'file', bytes: config.chunkBytes } },
      { queue: 'even-sum', unit: { kind: 'file', bytes: config.chunkBytes + 1 } },
    ]);
    expect(queue.add).toHaveBeenCalledWith(
      JobName.EvenSumPlan,
      { token, inputKey: `${token}/input.txt`, tag: 40 },
      { jobId: token, priority: 41 },
    );
  });

  it('answers 503 and removes the record and blobs when the queue is down', async () => {
    queue.add.mockRejectedValueOnce(new Error('Connection is closed'));
    await expect(sut.submit(evenSumSubmission('anonymous'))).rejects.toMatchObject({ status: 503 });
    expect(store.delete).toHaveBeenCalledWith(token);
    expect(blobs.deletePrefix).toHaveBeenCalledWith(`${token}/`);
    expect(usage.cancel).toHaveBeenCalledWith('anonymous', token);
  });

  it('answers 429 naming the cap when the client has too many unfinished tasks', async () => {
    admission.admit.mockResolvedValueOnce({ outcome: 'too-many-pending' });
    await expect(sut.submit(evenSumSubmission('bob'))).rejects.toMatchObject({
      status: 429,
      response: { error: expect.stringContaining('MAX_PENDING_TASKS_PER_CLIENT') },
    });
  });

  it('answers 429 naming the cap when a direct upload does not fit in the stored bytes', async () => {
    usage.reserve.mockResolvedValueOnce('too-many-bytes');
    await expect(sut.reserveUpload('bob', token, 5, 99)).rejects.toMatchObject({
      status: 429,
      response: { error: expect.stringContaining('MAX_STORED_BYTES_PER_CLIENT') },
    });
  });
});
