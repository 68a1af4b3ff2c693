/** Whose step waits at the gate: the client that asked for the work, and the job it belongs to. */
export interface GateOwner {
  client: string;
  job: string;
}

/**
 * Admits CPU-heavy steps (an image decode or encode, a scan part) `permits` at a time. One per
 * worker process, shared by all its queues: the process holds up to WORKER_CONCURRENCY jobs of
 * each of three work queues at once, but computes only `permits` of their steps at a time, so the
 * jobs take turns on its cores at the grain of a step (milliseconds) instead of all computing at
 * once, each slower, with as many decoded images in memory as jobs.
 *
 * The turns go round the clients, then round each client's jobs (not the steps): a chunk job keeps
 * several parts in flight (PARTS_IN_FLIGHT, so that every scan thread stays busy when it runs
 * alone), and first come, first served let each of them queue ahead of an image that arrived a
 * moment later; in one worker process with two slots per queue the quiet client's p95 was 5–15×
 * its p95 alone (docs/benchmarks.md, "Fairness"). Going round the jobs alone gave a client as many
 * turns as it had jobs in the process; round the clients first, a step waits for at most one step
 * of each other client, however many jobs it runs.
 */
export class CpuGate {
  private available: number;
  /** Clients with a step waiting, in the order their turn comes; each with its jobs' turns. */
  private readonly clients = new Map<string, Turns<string, () => void>>();
  private readonly turns: string[] = [];

  constructor(readonly permits: number) {
    this.available = permits;
  }

  /**
   * Runs `step` once admitted, and frees its permit when it settles. Steps of one job keep their
   * order; between clients, and between one client's jobs, the permits go round. No owner: a
   * client and job of its own.
   */
  async run<T>(step: () => Promise<T>, owner?: GateOwner): Promise<T> {
    await this.acquire(owner ?? solo());
    try {
      return await step();
    } finally {
      this.release();
    }
  }

  /** Steps waiting for a permit. */
  get queued(): number {
    let n = 0;
    for (const client of this.clients.values()) n += client.size;
    return n;
  }

  private acquire({ client, job }: GateOwner): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((grant) => {
      let jobs = this.clients.get(client);
      if (!jobs) {
        this.clients.set(client, (jobs = new Turns()));
        this.turns.push(client);
      }
      jobs.push(job, grant);
    });
  }

  private release(): void {
    const client = this.turns.shift();
    if (client === undefined) {
      this.available++;
      return;
    }
    const jobs = this.clients.get(client)!;
    const grant = jobs.shift();
    // Its next step, if any, waits for the client's next turn, behind every other client's.
    if (jobs.size) this.turns.push(client);
    else this.clients.delete(client);
    grant();
  }
}

let solos = 0;
const solo = (): GateOwner => {
  const id = `solo-${++solos}`;
  return { client: id, job: id };
};

/** Lines of items per key, taken one per key in turn; a key's items keep their order. */
class Turns<K, V> {
  private readonly lines = new Map<K, V[]>();
  private readonly order: K[] = [];
  size = 0;

  push(key: K, item: V): void {
    this.size++;
    const line = this.lines.get(key);
    if (line) return void line.push(item);
    this.lines.set(key, [item]);
    this.order.push(key);
  }

  /** The next key's first item; the key goes to the back if it has more. */
  shift(): V {
    const key = this.order.shift()!;
    const line = this.lines.get(key)!;
    const item = line.shift()!;
    this.size--;
    if (line.length) this.order.push(key);
    else this.lines.delete(key);
    return item;
  }
}
