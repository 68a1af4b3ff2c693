import { EventEmitter } from 'node:events';
import { ErrorLogSink, logRedisErrors } from './redis-error-log';

describe(logRedisErrors.name, () => {
  let clock: number;
  let lines: { level: string; fields: object; msg: string }[];
  let sut: EventEmitter;

  beforeEach(() => {
    clock = 0;
    lines = [];
    const sink: ErrorLogSink = {
      error: (fields, msg) => lines.push({ level: 'error', fields, msg }),
      log: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    };
    sut = new EventEmitter();
    logRedisErrors(sut, 'tasks', sink, { intervalMs: 10_000, now: () => clock });
  });

  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

  it('logs the first error of an outage at once, as structured fields', () => {
    sut.emit('error', refused());
    expect(lines).toEqual([
      {
        level: 'error',
        fields: {
          redis: 'tasks',
          err: 'connect ECONNREFUSED 127.0.0.1:6379',
          code: 'ECONNREFUSED',
        },
        msg: 'Redis client error',
      },
    ]);
  });

  it('logs one line per interval while errors repeat, counting the ones left out', () => {
    for (clock = 0; clock < 25_000; clock += 200) sut.emit('error', refused());
    expect(lines.map((l) => l.fields)).toEqual([
      expect.not.objectContaining({ suppressed: expect.anything() }),
      expect.objectContaining({ suppressed: 49 }),
      expect.objectContaining({ suppressed: 49 }),
    ]);
  });

  it('logs the recovery once and the first error of the next outage at once', () => {
    sut.emit('error', refused());
    clock += 300;
    sut.emit('error', refused());
    sut.emit('ready');
    sut.emit('ready');
    clock += 100;
    sut.emit('error', refused());
    expect(lines.map((l) => [l.level, l.msg, l.fields])).toEqual([
      ['error', 'Redis client error', expect.anything()],
      ['info', 'Redis connection restored', { redis: 'tasks', suppressed: 1 }],
      ['error', 'Redis client error', expect.anything()],
    ]);
  });

  it('keeps what bull says it was doing', () => {
    sut.emit('error', new Error('Connection is closed.'), 'Error processing job');
    expect(lines[0].fields).toMatchObject({ during: 'Error processing job' });
  });
});
