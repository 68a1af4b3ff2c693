import { CpuGate } from './cpu-gate';

/** A step that finishes when the test says so. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(CpuGate.name, () => {
  it('runs at most `permits` steps at once', async () => {
    const sut = new CpuGate(2);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, deferred);
    const all = gates.map((g, i) =>
      sut.run(`c${i}`, async () => {
        peak = Math.max(peak, ++running);
        await g.promise;
        running--;
      }),
    );
    await Promise.resolve();
    expect(sut.queued).toBe(3);
    gates.forEach((g) => g.resolve());
    await Promise.all(all);
    expect(peak).toBe(2);
  });

  it('admits the waiting step of the client that used the least CPU lately first, FIFO among equals', async () => {
    let clock = 0;
    const sut = new CpuGate(1, 'least-recent-cpu', () => clock);
    // The heavy client has used 100 ms of CPU just now.
    await sut.run('heavy', async () => void (clock += 100));
    const order: string[] = [];
    const first = deferred();
    const running = sut.run('heavy', () => first.promise);
    const queued = [
      sut.run('heavy', async () => void order.push('heavy-1')),
      sut.run('light', async () => void order.push('light-1')),
      sut.run('other', async () => void order.push('other-1')),
    ];
    first.resolve();
    await Promise.all([running, ...queued]);
    expect(order).toEqual(['light-1', 'other-1', 'heavy-1']);
  });

  it('admits waiting steps in arrival order when its order is fifo', async () => {
    let clock = 0;
    const sut = new CpuGate(1, 'fifo', () => clock);
    await sut.run('heavy', async () => void (clock += 100));
    const order: string[] = [];
    const first = deferred();
    const running = sut.run('heavy', () => first.promise);
    const queued = [
      sut.run('heavy', async () => void order.push('heavy-1')),
      sut.run('light', async () => void order.push('light-1')),
    ];
    first.resolve();
    await Promise.all([running, ...queued]);
    expect(order).toEqual(['heavy-1', 'light-1']);
  });

  it('lets old use fade: after a few seconds idle a client is on a par with a newcomer', () => {
    let clock = 0;
    const sut = new CpuGate(1, 'least-recent-cpu', () => clock);
    return sut
      .run('was-busy', async () => void (clock += 1000))
      .then(() => {
        expect(sut.usageOf('was-busy')).toBeCloseTo(1000);
        clock += 10_000;
        expect(sut.usageOf('was-busy')).toBeLessThan(1);
      });
  });

  it('releases its permit when a step throws', async () => {
    const sut = new CpuGate(1);
    await expect(
      sut.run('c', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(sut.run('c', async () => 'ok')).resolves.toBe('ok');
  });
});
