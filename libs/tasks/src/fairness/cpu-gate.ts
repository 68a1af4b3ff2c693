/**
 * Admits CPU-heavy steps (an image decode or encode, a scan part) `permits` at a time. One per
 * worker process, shared by all its queues: the process holds up to WORKER_CONCURRENCY jobs of
 * each of three work queues at once, but computes only `permits` of their steps at a time, so the
 * jobs take turns on its cores at the grain of a step (milliseconds) instead of all computing at
 * once, each slower, with as many decoded images in memory as jobs.
 *
 * The turns go round the jobs (`owner`), not the steps: a chunk job keeps several parts in flight
 * (PARTS_IN_FLIGHT, so that every scan thread stays busy when it runs alone), and first come,
 * first served let each of them queue ahead of an image that arrived a moment later; in one
 * worker process with two slots per queue the quiet client's p95 was 5–15× its p95 alone
 * (docs/benchmarks.md, "Fairness"). Now a job waiting with several steps gets one permit per round.
 */
export class CpuGate {
  private available: number;
  /** Each owner's waiting steps, in arrival order. */
  private readonly lines = new Map<unknown, (() => void)[]>();
  /** Owners with a step waiting, in the order their turn comes. */
  private readonly turns: unknown[] = [];

  constructor(readonly permits: number) {
    this.available = permits;
  }

  /**
   * Runs `step` once admitted, and frees its permit when it settles. Steps of one `owner` (a job)
   * keep their order; between owners the permits go round. No owner: a turn of its own.
   */
  async run<T>(step: () => Promise<T>, owner: unknown = Symbol()): Promise<T> {
    await this.acquire(owner);
    try {
      return await step();
    } finally {
      this.release();
    }
  }

  /** Steps waiting for a permit. */
  get queued(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  private acquire(owner: unknown): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((grant) => {
      const line = this.lines.get(owner);
      if (line) return void line.push(grant);
      this.lines.set(owner, [grant]);
      this.turns.push(owner);
    });
  }

  private release(): void {
    const owner = this.turns.shift();
    if (owner === undefined) {
      this.available++;
      return;
    }
    const line = this.lines.get(owner)!;
    const grant = line.shift()!;
    // Its next step, if any, waits for the owner's next turn, behind every other owner's.
    if (line.length) this.turns.push(owner);
    else this.lines.delete(owner);
    grant();
  }
}
