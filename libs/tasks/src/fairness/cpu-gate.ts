/** Who goes first among waiting steps: the least recent CPU user (default), or the first to ask. */
export type GateOrder = 'least-recent-cpu' | 'fifo';

interface Waiter {
  client: string;
  seq: number;
  grant: () => void;
}

// A client's CPU use counts with a half-life of 1 s: recent use decides who goes next, old use fades.
const HALF_LIFE_MS = 1000;

/**
 * Admits CPU-heavy steps (an image decode or encode, a scan part) `permits` at a time. One per
 * worker process, shared by all queues. Among waiting steps, the client that used the least CPU
 * in this process lately goes first (FIFO among equals): a light client's step overtakes a heavy
 * client's queued ones within one step (milliseconds), instead of every running job computing at
 * once, each slower. Bull's priorities order jobs within a queue; this orders the cores across queues.
 * With `order` 'fifo' (CPU_GATE_ORDER, for measurement) steps are admitted in arrival order.
 */
export class CpuGate {
  private available: number;
  private readonly waiting: Waiter[] = [];
  private readonly usage = new Map<string, { ms: number; at: number }>();
  private seq = 0;

  constructor(
    readonly permits: number,
    private readonly order: GateOrder = 'least-recent-cpu',
    private readonly now: () => number = () => performance.now(),
  ) {
    this.available = permits;
  }

  /** Runs `step` for `client` once admitted; its duration counts as the client's CPU use. */
  async run<T>(client: string, step: () => Promise<T>): Promise<T> {
    await this.acquire(client);
    const started = this.now();
    try {
      return await step();
    } finally {
      this.charge(client, this.now() - started);
      this.release();
    }
  }

  /** Steps waiting for a permit. */
  get queued(): number {
    return this.waiting.length;
  }

  /** The client's decayed CPU use, in ms. */
  usageOf(client: string): number {
    const entry = this.usage.get(client);
    if (!entry) return 0;
    return entry.ms * 0.5 ** ((this.now() - entry.at) / HALF_LIFE_MS);
  }

  private charge(client: string, ms: number): void {
    const total = this.usageOf(client) + ms;
    if (total < 0.01) this.usage.delete(client);
    else this.usage.set(client, { ms: total, at: this.now() });
  }

  private acquire(client: string): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ client, seq: this.seq++, grant }));
  }

  private release(): void {
    if (this.waiting.length === 0) {
      this.available++;
      return;
    }
    const best = this.order === 'fifo' ? 0 : this.leastRecentUser();
    const [next] = this.waiting.splice(best, 1);
    next.grant();
  }

  /** The waiter whose client used the least CPU lately (the earliest among equals). */
  private leastRecentUser(): number {
    // Few waiters (one per running job): a linear pick is simpler than a heap and as fast.
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const a = this.waiting[i];
      const b = this.waiting[best];
      const ua = this.usageOf(a.client);
      const ub = this.usageOf(b.client);
      if (ua < ub || (ua === ub && a.seq < b.seq)) best = i;
    }
    return best;
  }
}
