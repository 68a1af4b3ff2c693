import { TaskKind } from '@app/tasks/contract';
import { taskStatusView } from './task-status.view';

describe(taskStatusView.name, () => {
  const base = {
    token: 'a'.repeat(32),
    client: 'anonymous',
    inputKey: 'k',
    bytes: 10,
    requestedAt: Date.UTC(2026, 0, 1),
  };
  const finishedEvenSum = {
    ...base,
    task: TaskKind.EvenSum,
    status: 'finished',
    startedAt: base.requestedAt + 5,
    finishedAt: base.requestedAt + 50,
    executionMs: 40,
    queueWaitMs: 5,
    leadTimeMs: 50,
    wallMs: 30,
    chunksTotal: 2,
    chunksDone: 2,
    bytesDone: 10,
    sum: '4',
    evenCount: 2,
    count: 3,
  } as const;

  it('shows the old service`s status plus ISO timestamps, without unknown fields', () => {
    const sut = taskStatusView({ ...base, task: TaskKind.Randomize, status: 'requested' });
    expect(sut).toEqual({ status: 'requested', requestedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('adds durations and, for even-sum, progress', () => {
    const sut = taskStatusView(finishedEvenSum);
    expect(sut).toMatchObject({
      status: 'finished',
      executionMs: 40,
      queueWaitMs: 5,
      leadTimeMs: 50,
      progress: { bytesDone: 10, bytesTotal: 10, chunksDone: 2, chunksTotal: 2 },
    });
  });

  it('writes the fields in the order clients have always read them, never a result field', () => {
    const sut = taskStatusView(finishedEvenSum);
    expect(JSON.stringify(sut)).toBe(
      '{"status":"finished","requestedAt":"2026-01-01T00:00:00.000Z","startedAt":"2026-01-01T00:00:00.005Z",' +
        '"finishedAt":"2026-01-01T00:00:00.050Z","executionMs":40,"queueWaitMs":5,"leadTimeMs":50,"wallMs":30,' +
        '"progress":{"bytesDone":10,"bytesTotal":10,"chunksDone":2,"chunksTotal":2,"bytesReceived":10,"bytesScanned":10}}',
    );
  });

  it('leaves out what is not known rather than sending it as undefined or null', () => {
    const sut = taskStatusView({ ...base, task: TaskKind.EvenSum, status: 'errored', error: 'x' });
    expect(Object.entries(sut)).toEqual([
      ['status', 'errored'],
      ['error', 'x'],
      ['requestedAt', '2026-01-01T00:00:00.000Z'],
      [
        'progress',
        {
          bytesDone: 0,
          bytesTotal: 10,
          chunksDone: 0,
          chunksTotal: 0,
          bytesReceived: 10,
          bytesScanned: 0,
        },
      ],
    ]);
  });
});
