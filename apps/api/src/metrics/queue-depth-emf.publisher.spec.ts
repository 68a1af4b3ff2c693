import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/tasks/config';
import { QueueDepthEmfPublisher } from './queue-depth-emf.publisher';

describe(QueueDepthEmfPublisher.name, () => {
  const config = loadConfig({ QUEUE_DEPTH_EMF_SECONDS: '30', QUEUE_DEPTH_EMF_DEPLOYMENT: 'D' });
  let written: string[];

  beforeEach(() => {
    written = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  /** A TaskQueue whose every queue answers `counts` (or rejects with it). */
  const queues = (counts: Record<string, number> | Error) => ({
    queue: (name: string) => ({
      name,
      getJobCounts: async () => {
        if (counts instanceof Error) throw counts;
        return counts;
      },
    }),
  });

  it('writes one EMF line per document, waiting and paused jobs as QueueDepth, in one write', async () => {
    const counts = { waiting: 2, paused: 1, active: 4, delayed: 5, completed: 9, failed: 9 };
    const sut = new QueueDepthEmfPublisher(config, queues(counts) as never);
    await sut.publish();
    expect(written).toHaveLength(1);
    const lines = written[0].split('\n');
    expect(lines.pop()).toBe('');
    const docs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(docs.map((d) => d.Queue)).toEqual([
      undefined,
      'randomize',
      'even-sum',
      'even-sum-chunk',
    ]);
    expect(docs[0]).toMatchObject({ Deployment: 'D', QueueDepth: 9, ActiveJobs: 12 });
    expect(docs[1]).toMatchObject({ QueueDepth: 3, ActiveJobs: 4, DelayedJobs: 5 });
  });

  it('writes nothing when Redis cannot be read: a gap, never a false zero', async () => {
    const sut = new QueueDepthEmfPublisher(
      config,
      queues(new Error('Connection is closed.')) as never,
    );
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await sut.publish();
    expect(written).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      { err: 'Connection is closed.' },
      'queue depths not published',
    );
  });

  it('reads the queues every QUEUE_DEPTH_EMF_SECONDS once started, and never when it is off', () => {
    jest.useFakeTimers();
    try {
      const read = jest.fn(async () => ({ waiting: 0, active: 0, delayed: 0 }));
      const stub = { queue: () => ({ getJobCounts: read }) };
      const off = new QueueDepthEmfPublisher(loadConfig({}), stub as never);
      off.onApplicationBootstrap();
      jest.advanceTimersByTime(120_000);
      expect(read).not.toHaveBeenCalled();

      const on = new QueueDepthEmfPublisher(config, stub as never);
      on.onApplicationBootstrap();
      jest.advanceTimersByTime(29_999);
      expect(read).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(read).toHaveBeenCalledTimes(3); // one reading: the three work queues
      on.onModuleDestroy();
      jest.advanceTimersByTime(120_000);
      expect(read).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
