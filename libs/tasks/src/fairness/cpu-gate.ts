/**
 * Admits CPU-heavy steps (an image decode or encode, a scan part) `permits` at a time, first come,
 * first served. One per worker process, shared by all its queues: the process holds up to
 * WORKER_CONCURRENCY jobs of each of three work queues at once, but computes only `permits` of their
 * steps at a time, so the jobs take turns on its cores at the grain of a step (milliseconds) instead
 * of all computing at once, each slower, with as many decoded images in memory as jobs.
 * Ordering the waiting steps (by tag, then by each client's recent CPU use) was tried and measured:
 * no benefit beyond the run-to-run spread (docs/benchmarks.md), so FIFO it is.
 */
export class CpuGate {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly permits: number) {
    this.available = permits;
  }

  /** Runs `step` once admitted, and frees its permit when it settles. */
  async run<T>(step: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await step();
    } finally {
      this.release();
    }
  }

  /** Steps waiting for a permit. */
  get queued(): number {
    return this.waiting.length;
  }

  private acquire(): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push(grant));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available++;
  }
}
