interface Waiter {
  priority: number;
  seq: number;
  grant: () => void;
}

/**
 * Admits CPU-heavy steps (an image decode or encode, a 1 MiB scan slice) `permits` at a time, lowest
 * priority value first and FIFO among equals. One per worker process, shared by all queues: a light
 * client's step overtakes a heavy client's queued steps within a few milliseconds, instead of
 * competing with every running job for the cores.
 */
export class CpuGate {
  private available: number;
  private readonly waiting: Waiter[] = [];
  private seq = 0;

  constructor(readonly permits: number) {
    this.available = permits;
  }

  /** Runs `step` once admitted; `priority` is the unit's fair tag (or its arrival order when fairness is off). */
  async run<T>(priority: number, step: () => Promise<T>): Promise<T> {
    await this.acquire(priority);
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

  private acquire(priority: number): Promise<void> {
    if (this.available > 0 && this.waiting.length === 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((grant) => {
      this.waiting.push({ priority, seq: this.seq++, grant });
      // Few waiters (at most the jobs in flight): a sorted insert is simpler than a heap and as fast.
      this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.available++;
  }
}
