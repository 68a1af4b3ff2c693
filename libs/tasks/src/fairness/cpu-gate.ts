/**
 * Admits CPU-heavy steps (an image decode or encode, a scan part) `permits` at a time, in arrival
 * order. One per worker process, shared by all queues: the jobs running at once (one per queue slot)
 * take turns on the cores at the grain of a step (milliseconds), instead of all computing at once
 * and each running slower; a light client's step waits for at most one step of every other job.
 */
export class CpuGate {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly permits: number) {
    this.available = permits;
  }

  /** Runs `step` once admitted. */
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
