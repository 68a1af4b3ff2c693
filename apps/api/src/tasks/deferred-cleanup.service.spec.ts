import { pollUntil } from '../../../../test/support/poll';
import { DeferredCleanup } from './deferred-cleanup.service';

describe(DeferredCleanup.name, () => {
  let cleanup: DeferredCleanup;
  beforeEach(() => (cleanup = new DeferredCleanup()));
  afterEach(() => cleanup.onApplicationShutdown());

  /** A step that fails its first `failures` calls, counting them all. */
  const flaky = (failures: number) => {
    const step = jest.fn(async () => {
      if (step.mock.calls.length <= failures) throw new Error('Connection is closed.');
    });
    return step;
  };

  it('runs a step that succeeds once, and waits for it', async () => {
    const step = flaky(0);
    await cleanup.run('release', 't', step, 60_000);
    expect(step).toHaveBeenCalledTimes(1);
    expect(cleanup.waiting).toBe(0);
  });

  it('resolves at once when the step fails, then retries it in the background until it succeeds', async () => {
    const step = flaky(2);
    await expect(cleanup.run('release', 't', step, 60_000)).resolves.toBeUndefined();
    expect(step).toHaveBeenCalledTimes(1);
    expect(cleanup.waiting).toBe(1);
    await pollUntil(
      async () => (step.mock.calls.length === 3 ? true : undefined),
      5_000,
      'retries',
    );
    await pollUntil(async () => (cleanup.waiting === 0 ? true : undefined), 1_000, 'no retry left');
    // Succeeded on its third call: no fourth.
    await new Promise((r) => setImmediate(r));
    expect(step).toHaveBeenCalledTimes(3);
  });

  it('gives up once the deadline has passed', async () => {
    const step = flaky(Infinity);
    await cleanup.run('release', 't', step, 300);
    await pollUntil(async () => (cleanup.waiting === 0 ? true : undefined), 5_000, 'given up');
    const calls = step.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(3);
  });

  it('drops what is left at shutdown', async () => {
    const step = flaky(Infinity);
    await cleanup.run('release', 't', step, 60_000);
    expect(cleanup.waiting).toBe(1);
    cleanup.onApplicationShutdown();
    expect(cleanup.waiting).toBe(0);
  });
});
