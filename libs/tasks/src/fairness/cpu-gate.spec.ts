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
    const all = gates.map((g) =>
      sut.run(async () => {
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

  it('admits waiting steps of different owners in arrival order', async () => {
    const sut = new CpuGate(1);
    const order: string[] = [];
    const first = deferred();
    const running = sut.run(() => first.promise);
    const queued = ['a', 'b', 'c'].map((name) => sut.run(async () => void order.push(name)));
    first.resolve();
    await Promise.all([running, ...queued]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it("goes round the owners: a job's several waiting steps do not all pass before another job's step that came later", async () => {
    const sut = new CpuGate(1);
    const order: string[] = [];
    const first = deferred();
    const running = sut.run(() => first.promise, { client: 'x', job: 'other' });
    const chunk = { client: 'noisy', job: 'chunk' };
    const image = { client: 'noisy', job: 'image' };
    // A chunk job queues four parts, then an image job of the same client its decode, then the
    // chunk a fifth part.
    const steps = [
      ...['p1', 'p2', 'p3', 'p4'].map((p) => sut.run(async () => void order.push(p), chunk)),
      sut.run(async () => void order.push('decode'), image),
      sut.run(async () => void order.push('p5'), chunk),
    ];
    expect(sut.queued).toBe(6);
    first.resolve();
    await Promise.all([running, ...steps]);
    expect(order).toEqual(['p1', 'decode', 'p2', 'p3', 'p4', 'p5']);
  });

  it('goes round the clients first: a client with many jobs waiting gets no more turns than a client with one', async () => {
    const sut = new CpuGate(1);
    const order: string[] = [];
    const first = deferred();
    const running = sut.run(() => first.promise, { client: 'x', job: 'other' });
    // The noisy client has three jobs with two steps each waiting, then the quiet client's image
    // asks for its decode, and later for its encode.
    const noisy = ['a', 'b', 'c'].flatMap((job) =>
      [1, 2].map((n) =>
        sut.run(async () => void order.push(`${job}${n}`), { client: 'noisy', job }),
      ),
    );
    const quiet = { client: 'quiet', job: 'image' };
    const decode = sut.run(async () => void order.push('decode'), quiet);
    const encode = decode.then(() => sut.run(async () => void order.push('encode'), quiet));
    first.resolve();
    await Promise.all([running, ...noisy, decode, encode]);
    // The encode, asked once the permit the decode freed had gone to b1, waits one noisy turn (c1),
    // however many noisy jobs wait; going round the jobs, it would wait for all three (c1, a2, b2).
    expect(order).toEqual(['a1', 'decode', 'b1', 'c1', 'encode', 'a2', 'b2', 'c2']);
  });

  it('releases its permit when a step throws', async () => {
    const sut = new CpuGate(1);
    await expect(
      sut.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(sut.run(async () => 'ok')).resolves.toBe('ok');
  });
});
