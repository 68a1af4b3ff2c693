/** Whose step waits at the gate: the client that asked for the work, and the job it belongs to. */
export interface GateOwner {
  client: string;
  job: string;
  /**
   * A job of a few short steps (an image: its decode, then its encode). Within its client, such a
   * job's steps go before the client's long jobs' (a chunk's parts): the image ends and frees its
   * slot sooner, and that slot is what another client's image waits for. Between clients the turns
   * stay even, so only the client's own scans wait for its images.
   */
  short?: boolean;
}

/**
 * Admits CPU-heavy steps (an image decode or encode, a scan part) `permits` at a time. One per
 * worker process, shared by all its queues: the process holds up to WORKER_CONCURRENCY jobs of
 * each of three work queues at once, but computes only `permits` of their steps at a time, so the
 * jobs take turns on its cores at the grain of a step (milliseconds) instead of all computing at
 * once, each slower, with as many decoded images in memory as jobs.
 *
 * The turns go round the clients, then round each client's jobs, its short ones first (not the
 * steps): a chunk job keeps several parts in flight (PARTS_IN_FLIGHT, so that every scan thread
 * stays busy when it runs alone), and first come, first served let each of them queue ahead of an
 * image that arrived a moment later (the quiet client's p95 was 5–15× its p95 alone in one worker
 * process with two slots per queue); going round the jobs alone still gave a client with many jobs
 * running as many turns as it had jobs. docs/benchmarks.md ("Fairness") has the measurements.
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
   * order; the permits go round the clients, and round each client's jobs (short ones first). No
   * owner: a client and job of its own.
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

  private acquire({ client, job, short = false }: GateOwner): Promise<void> {
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
      jobs.push(job, grant, short);
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

/**
 * Lines of items per key, taken one per key in turn (short keys' before the others'); a key's items
 * keep their order.
 */
class Turns<K, V> {
  private readonly lines = new Map<K, V[]>();
  /** Keys with items waiting, in turn order: the short ones, then the rest. */
  private readonly short: K[] = [];
  private readonly long: K[] = [];
  size = 0;

  push(key: K, item: V, short: boolean): void {
    this.size++;
    const line = this.lines.get(key);
    if (line) return void line.push(item);
    this.lines.set(key, [item]);
    (short ? this.short : this.long).push(key);
  }

  /** The next key's first item; the key goes to the back of its order if it has more. */
  shift(): V {
    const order = this.short.length ? this.short : this.long;
    const key = order.shift()!;
    const line = this.lines.get(key)!;
    const item = line.shift()!;
    this.size--;
    if (line.length) order.push(key);
    else this.lines.delete(key);
    return item;
  }
}
