import type { JobOptions } from 'bull';
import { planChunks } from '@app/tasks/even-sum';
import { JobOf, JobName, QueueName } from '@app/tasks/queues';
import { ChaosRig, DuplicateQueue } from './chaos-rig';
import { int, pick, Rand } from './fuzz';

/** Every fault the harness injects. */
export const FAULT_KINDS = [
  'kill-worker',
  'kill-redis',
  'dup-chunk-pending',
  'dup-chunk-recorded',
  'dup-plan',
  'dup-after-end',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each kind is drawn, relative to the others. */
const WEIGHTS: Record<FaultKind, number> = {
  'kill-worker': 2,
  'kill-redis': 1,
  'dup-chunk-pending': 2,
  'dup-chunk-recorded': 3,
  'dup-plan': 1,
  'dup-after-end': 1,
};

// The options TaskQueue gives every chunk and plan job: a duplicate must behave like the original.
const DUPLICATE_OPTIONS: JobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 86400, count: 1000 },
};
const ADD_TIMEOUT_MS = 3000;

/** A task as Redis holds it at one moment (the harness reads it to aim duplicates). */
export interface TaskSnapshot {
  token: string;
  status: string;
  client: string;
  inputKey: string;
  bytes: number;
  chunksTotal: number;
  /** Chunk indices whose result is recorded. */
  recorded: number[];
}

/** One injected fault: when (ms from the trial's start), what, and on which task and chunk. */
export interface FaultEvent {
  atMs: number;
  kind: FaultKind;
  what: string;
  token?: string;
}

/** Reads the tasks' records and recorded chunk indices; undefined while Redis does not answer. */
export async function snapshot(
  rig: ChaosRig,
  tokens: string[],
): Promise<TaskSnapshot[] | undefined> {
  if (!tokens.length) return [];
  const pipeline = rig.probe.pipeline();
  for (const token of tokens) {
    const key = `${rig.prefix}:task:${token}`;
    pipeline.hmget(key, 'status', 'client', 'inputKey', 'bytes', 'chunksTotal');
    pipeline.hkeys(`${key}:chunks`);
  }
  const replies = await pipeline.exec().catch(() => null);
  if (!replies || replies.some(([err]) => err)) return undefined;
  return tokens.map((token, i) => {
    const [status, client, inputKey, bytes, chunksTotal] = replies[2 * i][1] as (string | null)[];
    return {
      token,
      status: status ?? 'missing',
      client: client ?? '',
      inputKey: inputKey ?? '',
      bytes: Number(bytes ?? 0),
      chunksTotal: Number(chunksTotal ?? 0),
      recorded: (replies[2 * i + 1][1] as string[]).map(Number),
    };
  });
}

const ended = (t: TaskSnapshot) => t.status === 'finished' || t.status === 'errored';

/**
 * Injects one fault at a time at random moments, aimed from a fresh snapshot of the tasks. Each
 * duplicate is a new bull job (new id) with the payload of an existing plan or chunk job, sent
 * to its own queue ahead of everything (priority 1) or to its queue's tail.
 */
export class FaultInjector {
  readonly counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly events: FaultEvent[] = [];
  private duplicates = 0;
  private readonly previous = new Map<string, Set<number>>();
  /** Kinds not injected yet in this trial (dup-after-end comes after the tasks end: not owed). */
  private readonly owed: FaultKind[];

  constructor(
    private readonly rig: ChaosRig,
    private readonly rand: Rand,
    private readonly kinds: readonly FaultKind[],
    private readonly startedAt: number,
  ) {
    this.owed = kinds.filter((k) => k !== 'dup-after-end');
    for (let i = this.owed.length - 1; i > 0; i--) {
      const j = int(rand, 0, i);
      [this.owed[i], this.owed[j]] = [this.owed[j], this.owed[i]];
    }
  }

  /**
   * Injects one fault if it applies now (e.g. a duplicate needs Redis up); true if injected. Each
   * kind is owed once first, in a random order (so every trial has each, time permitting), then
   * kinds are drawn by weight.
   */
  async injectOne(tasks: TaskSnapshot[] | undefined): Promise<boolean> {
    if (!this.kinds.length) return false;
    const owed = this.owed.shift();
    const kind = owed ?? this.draw();
    const injected = await this.inject(kind, tasks);
    if (owed && !injected) this.owed.push(owed);
    return injected;
  }

  private async inject(kind: FaultKind, tasks: TaskSnapshot[] | undefined): Promise<boolean> {
    const newlyRecorded = this.newlyRecorded(tasks ?? []);
    switch (kind) {
      case 'kill-worker': {
        const restartAfterMs = int(this.rand, 0, 1500);
        if (!(await this.rig.killWorker(this.rand, restartAfterMs))) return false;
        return this.note(kind, `SIGKILL a worker, replacement in ${restartAfterMs} ms`);
      }
      case 'kill-redis': {
        const outageMs = int(this.rand, 200, 2500);
        if (!this.rig.killRedis(outageMs)) return false;
        return this.note(kind, `SIGKILL redis-server, restart in ${outageMs} ms`);
      }
      case 'dup-chunk-pending': {
        const open = (tasks ?? []).filter(
          (t) => !ended(t) && t.chunksTotal > 1 && t.recorded.length < t.chunksTotal,
        );
        if (!open.length) return false;
        const task = pick(this.rand, open);
        const missing = [...Array(task.chunksTotal).keys()].filter(
          (i) => !task.recorded.includes(i),
        );
        return this.duplicateChunk(kind, task, pick(this.rand, missing));
      }
      case 'dup-chunk-recorded': {
        // Right after a chunk was recorded when one was, else any recorded chunk of an open task.
        const fresh = newlyRecorded.filter(({ task }) => !ended(task));
        if (fresh.length && this.rand() < 0.6) {
          const { task, index } = pick(this.rand, fresh);
          return this.duplicateChunk(kind, task, index);
        }
        const open = (tasks ?? []).filter((t) => !ended(t) && t.recorded.length > 0);
        if (!open.length) return false;
        const task = pick(this.rand, open);
        return this.duplicateChunk(kind, task, pick(this.rand, task.recorded));
      }
      case 'dup-plan': {
        const open = (tasks ?? []).filter((t) => !ended(t) && t.client);
        if (!open.length) return false;
        return this.duplicatePlan(kind, pick(this.rand, open));
      }
      case 'dup-after-end':
        return this.afterEnd((tasks ?? []).filter(ended));
    }
  }

  /** A duplicate plan or chunk job of a task that already ended; false if none has. */
  async afterEnd(endedTasks: TaskSnapshot[]): Promise<boolean> {
    const withChunks = endedTasks.filter((t) => t.chunksTotal > 0 && t.client);
    if (!withChunks.length) return false;
    const task = pick(this.rand, withChunks);
    if (this.rand() < 0.3) return this.duplicatePlan('dup-after-end', task);
    return this.duplicateChunk('dup-after-end', task, int(this.rand, 0, task.chunksTotal - 1));
  }

  private draw(): FaultKind {
    const total = this.kinds.reduce((sum, k) => sum + WEIGHTS[k], 0);
    let roll = this.rand() * total;
    for (const kind of this.kinds) {
      roll -= WEIGHTS[kind];
      if (roll < 0) return kind;
    }
    return this.kinds[this.kinds.length - 1];
  }

  /** Chunks recorded since the previous snapshot (the moment "right after a chunk was recorded"). */
  private newlyRecorded(tasks: TaskSnapshot[]): { task: TaskSnapshot; index: number }[] {
    const fresh: { task: TaskSnapshot; index: number }[] = [];
    for (const task of tasks) {
      const before = this.previous.get(task.token) ?? new Set<number>();
      for (const index of task.recorded) if (!before.has(index)) fresh.push({ task, index });
      this.previous.set(task.token, new Set(task.recorded));
    }
    return fresh;
  }

  private async duplicateChunk(kind: FaultKind, task: TaskSnapshot, index: number) {
    const range = planChunks(task.bytes, this.rig.chunkBytes)[index];
    if (!range || !task.client) return false;
    const data: JobOf<JobName.EvenSumChunk> = {
      token: task.token,
      inputKey: task.inputKey,
      client: task.client,
      size: task.bytes,
      ...range,
    };
    const where = await this.add(QueueName.EvenSumChunk, JobName.EvenSumChunk, task.token, data);
    if (!where) return false;
    const state = task.recorded.includes(index) ? 'recorded' : 'pending';
    return this.note(
      kind,
      `chunk ${index} (${state}, ${task.recorded.length}/${task.chunksTotal} recorded, task ${task.status}) again ${where}`,
      task.token,
    );
  }

  private async duplicatePlan(kind: FaultKind, task: TaskSnapshot) {
    const data: JobOf<JobName.EvenSumPlan> = { token: task.token, inputKey: task.inputKey };
    const where = await this.add(QueueName.EvenSum, JobName.EvenSumPlan, task.token, data);
    if (!where) return false;
    return this.note(kind, `plan again ${where} (task ${task.status})`, task.token);
  }

  /** Adds a copy under a new id; resolves where it went, or undefined if Redis did not take it. */
  private async add(
    own: DuplicateQueue,
    name: JobName,
    token: string,
    data: object,
  ): Promise<string | undefined> {
    if (!this.rig.redisUp) return undefined;
    const [queue, priority, where]: [DuplicateQueue, number | undefined, string] =
      this.rand() < 0.5 ? [own, 1, 'first in its queue'] : [own, undefined, 'at its queue tail'];
    const jobId = `${token}-dup${++this.duplicates}`;
    const added = this.rig.queue(queue).add(name, data, { ...DUPLICATE_OPTIONS, jobId, priority });
    const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), ADD_TIMEOUT_MS));
    const job = await Promise.race([added.catch(() => undefined), timeout]);
    return job ? `${where} as ${jobId}` : undefined;
  }

  private note(kind: FaultKind, what: string, token?: string): true {
    this.counts[kind]++;
    this.events.push({ atMs: Date.now() - this.startedAt, kind, what, token });
    return true;
  }
}
