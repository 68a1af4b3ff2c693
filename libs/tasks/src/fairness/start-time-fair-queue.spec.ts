import {
  ClientClock,
  MAX_PRIORITY,
  priorityOf,
  tagUnits,
  ROW_RAW_BYTES,
  unitCost,
} from './start-time-fair-queue';

/** A small simulation: clients' units tagged against a shared clock, served in tag order. */
class Simulation {
  virtualTime = 0;
  lastFinish = new Map<string, number>();
  queue: { client: string; tag: number; seq: number }[] = [];
  private seq = 0;

  clockOf(client: string): ClientClock {
    return { virtualTime: this.virtualTime, lastFinish: this.lastFinish.get(client) ?? 0 };
  }

  submit(client: string, costs: number[]): void {
    const clock = this.clockOf(client);
    const { tags, lastFinish } = tagUnits(clock, costs);
    this.lastFinish.set(client, lastFinish);
    for (const tag of tags) this.queue.push({ client, tag, seq: this.seq++ });
  }

  /** Starts the next n units (lowest tag, FIFO among equal tags, as bull orders priorities). */
  run(n: number): string[] {
    this.queue.sort((a, b) => a.tag - b.tag || a.seq - b.seq);
    const started = this.queue.splice(0, n);
    // V = the tag of the unit most recently started, never going back (FairScheduler.started).
    for (const unit of started) this.virtualTime = Math.max(this.virtualTime, unit.tag);
    return started.map((u) => u.client);
  }
}

describe(tagUnits.name, () => {
  it('gives consecutive tags spaced by cost and returns the new finish tag', () => {
    expect(tagUnits({ virtualTime: 10, lastFinish: 0 }, [5, 5, 2])).toEqual({
      tags: [10, 15, 20],
      lastFinish: 22,
    });
    expect(tagUnits({ virtualTime: 10, lastFinish: 40 }, [1])).toEqual({
      tags: [40],
      lastFinish: 41,
    });
  });

  it('interleaves two clients with equal costs one for one, even if one queued 20 units first', () => {
    const sut = new Simulation();
    sut.submit('big', Array(20).fill(10));
    sut.run(1);
    sut.submit('small', Array(3).fill(10));
    // The newcomer starts at V (the tag of big's running unit), so it goes first, then they alternate.
    expect(sut.run(7)).toEqual(['small', 'big', 'small', 'big', 'small', 'big', 'big']);
  });

  it('interleaves three clients in proportion to cost: a unit of 30 per three units of 10', () => {
    const sut = new Simulation();
    sut.submit('a', Array(4).fill(30));
    sut.submit('b', Array(12).fill(10));
    sut.submit('c', Array(12).fill(10));
    const order = sut.run(14);
    expect(order.filter((c) => c === 'a').length).toBe(2);
    expect(order.filter((c) => c === 'b').length).toBe(6);
    expect(order.filter((c) => c === 'c').length).toBe(6);
  });

  it('does not let an idle client bank credit: coming back, it starts at the virtual time', () => {
    const sut = new Simulation();
    sut.submit('steady', Array(50).fill(10));
    sut.submit('sleeper', [10]);
    sut.run(10); // the sleeper's one unit runs, then it is idle while steady advances V
    sut.run(20);
    sut.submit('sleeper', Array(10).fill(10));
    // Had it banked its idle time, all 10 of its units would run first; it gets half.
    expect(sut.run(10).filter((c) => c === 'sleeper').length).toBe(5);
  });
});

describe(priorityOf.name, () => {
  it('maps tag 0 to bull priority 1 and stays inside bull range', () => {
    expect(priorityOf(0)).toBe(1);
    expect(priorityOf(41.6)).toBe(43);
    expect(priorityOf(2 ** 40)).toBe(MAX_PRIORITY);
  });
});

describe('unitCost.image', () => {
  const sut = unitCost.image;

  it('charges a square photo-sized image by its pixels: 4096² RGB ≈ 2 s', () => {
    const cost = sut(4096 * 4096 * 3, 4096);
    expect(cost).toBeGreaterThan(2000);
    expect(cost).toBeLessThan(2030);
  });

  it('charges a 1 × 16M-pixel gray PNG for its rows: ~22 s, as measured, not 0.7 s', () => {
    const rows = 16_777_216;
    expect(sut(rows, rows)).toBeCloseTo(1 + (rows * (1 + ROW_RAW_BYTES)) / 25_000, 6);
    expect(sut(rows, rows)).toBeGreaterThan(20_000);
  });

  it('charges the same pixels more as rows than as columns', () => {
    expect(sut(1_000_000, 1_000_000)).toBeGreaterThan(10 * sut(1_000_000, 1));
  });

  it('grows linearly in raw bytes and in rows', () => {
    const base = sut(0, 0);
    expect(sut(50_000, 0) - base).toBeCloseTo(2, 9);
    expect(sut(0, 25_000) - base).toBeCloseTo(ROW_RAW_BYTES, 9);
  });
});
