import { TaskKind } from '@app/tasks/queues';
import { taskStatusView } from './task-status.view';

describe(taskStatusView.name, () => {
  const base = {
    token: 'a'.repeat(32),
    client: 'anonymous',
    inputKey: 'k',
    bytes: 10,
    requestedAt: Date.UTC(2026, 0, 1),
  };

  it('shows the old service`s status plus ISO timestamps, without unknown fields', () => {
    const sut = taskStatusView({ ...base, task: TaskKind.Randomize, status: 'requested' });
    expect(sut).toEqual({ status: 'requested', requestedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('adds durations and, for even-sum, progress', () => {
    const sut = taskStatusView({
      ...base,
      task: TaskKind.EvenSum,
      status: 'finished',
      startedAt: base.requestedAt + 5,
      finishedAt: base.requestedAt + 50,
      executionMs: 40,
      queueWaitMs: 5,
      leadTimeMs: 50,
      chunksTotal: 2,
      chunksDone: 2,
      bytesDone: 10,
    });
    expect(sut).toMatchObject({
      status: 'finished',
      executionMs: 40,
      queueWaitMs: 5,
      leadTimeMs: 50,
      progress: { bytesDone: 10, bytesTotal: 10, chunksDone: 2, chunksTotal: 2 },
    });
  });
});
