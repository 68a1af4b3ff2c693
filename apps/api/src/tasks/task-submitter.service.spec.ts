import { JobName, TaskKind } from '@app/tasks/queues/queue-names';
import { TaskRecord } from '@app/tasks/tasks/task-record';
import { TaskSubmitter } from './task-submitter.service';

describe(TaskSubmitter.name, () => {
  const created: TaskRecord[] = [];
  const store = { create: async (r: TaskRecord) => void created.push(r), delete: jest.fn() };
  const queue = { add: jest.fn(async () => undefined) };
  const blobs = { deletePrefix: jest.fn() };
  const metrics = { uploadBytes: { inc: jest.fn() } };
  const usage = { reserve: jest.fn(async () => 'ok'), cancel: jest.fn(async () => undefined) };
  const fair = { tag: jest.fn(async () => [{ tag: 40, priority: 41, express: false }]) };
  const sut = new TaskSubmitter(
    store as never,
    queue as never,
    blobs as never,
    metrics as never,
    usage as never,
    fair as never,
  );
  const token = 'a'.repeat(32);
  /** A one-byte even-sum submission of `client`. */
  const evenSumSubmission = (client: string) => ({
    token,
    task: TaskKind.EvenSum,
    client,
    requestedAt: 1,
    inputKey: `${token}/input.txt`,
    bytes: 1,
    job: JobName.EvenSumPlan,
    data: { token, inputKey: `${token}/input.txt` },
    unit: { kind: 'file' as const, bytes: 9 },
  });

  it('carries the request stamp into the task record, then enqueues a reference-only job at its fair priority', async () => {
    await sut.submit({
      token,
      task: TaskKind.Randomize,
      client: 'anonymous',
      requestedAt: 1234,
      inputKey: `${token}/input.png`,
      bytes: 9,
      job: JobName.Randomize,
      data: { token, inputKey: `${token}/input.png`, blockSize: 60 },
      unit: { kind: 'image', rawBytes: 300, height: 10 },
    });
    expect(created[0]).toMatchObject({ token, requestedAt: 1234, status: 'requested', bytes: 9 });
    expect(created[0].enqueuedAt).toBeGreaterThanOrEqual(1234);
    expect(fair.tag).toHaveBeenCalledWith('anonymous', 'randomize', [
      { kind: 'image', rawBytes: 300, height: 10 },
    ]);
    expect(queue.add).toHaveBeenCalledWith(
      JobName.Randomize,
      { token, inputKey: `${token}/input.png`, blockSize: 60, tag: 40 },
      { jobId: token, priority: 41, express: false },
    );
    expect(metrics.uploadBytes.inc).toHaveBeenCalledWith({ task: 'randomize' }, 9);
  });

  it('answers 503 and removes the record and blobs when the queue is down', async () => {
    queue.add.mockRejectedValueOnce(new Error('Connection is closed'));
    await expect(sut.submit(evenSumSubmission('anonymous'))).rejects.toMatchObject({ status: 503 });
    expect(store.delete).toHaveBeenCalledWith(token);
    expect(blobs.deletePrefix).toHaveBeenCalledWith(`${token}/`);
    expect(usage.cancel).toHaveBeenCalledWith('anonymous', token);
  });

  it('answers 429 naming the cap when the client has too many unfinished tasks', async () => {
    usage.reserve.mockResolvedValueOnce('too-many-pending');
    await expect(sut.submit(evenSumSubmission('bob'))).rejects.toMatchObject({
      status: 429,
      response: { error: expect.stringContaining('MAX_PENDING_TASKS_PER_CLIENT') },
    });
  });
});
