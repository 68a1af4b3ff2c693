import { Injectable, Logger } from '@nestjs/common';
import { OPEN_STATUSES } from '../contract';
import { ClientUsageStore } from '../limits';
import { TaskMetrics } from '../metrics';
import { PermanentTaskError } from './task-errors';
import { ResultFieldsOf, TaskRecord } from './task-record';
import { TaskStore } from './task-store.service';

/** Status transitions of a task as workers see them, with the durations every task reports. */
@Injectable()
export class TaskLifecycle {
  private readonly logger = new Logger(TaskLifecycle.name);

  constructor(
    private readonly store: TaskStore,
    private readonly metrics: TaskMetrics,
    private readonly usage: ClientUsageStore,
  ) {}

  /**
   * Marks the task `received` (first start only stamps startedAt). Throws if the task is gone.
   * The record answered says whether to run: only a `received` one; an ended one (finished,
   * errored, cancelled: also when it ended between the read and the write) is left alone.
   */
  async start(token: string, now = Date.now()): Promise<TaskRecord> {
    const record = await this.store.get(token);
    if (!record) throw new PermanentTaskError('task record not found (expired or deleted)');
    if (record.status !== 'requested' && record.status !== 'received') return record;
    const startedAt = record.startedAt ?? now;
    const written = await this.store.update(token, { status: 'received', startedAt }, [
      ...OPEN_STATUSES,
    ]);
    if (!written) return this.start(token, now);
    return { ...record, status: 'received', startedAt };
  }

  /** True while the task is requested or received: false once it ended, was cancelled or expired. */
  async isOpen(token: string): Promise<boolean> {
    const record = await this.store.get(token);
    return record?.status === 'requested' || record?.status === 'received';
  }

  /**
   * Runs a job's `work`; if it fails after its task ended (a client cancelled it and its blobs
   * went, or it expired), the failure is nobody's: resolves instead of letting bull retry.
   */
  async unlessEnded(token: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      // Redis unreachable: the job's own failure is the one to retry.
      if (await this.isOpen(token).catch(() => true)) throw err;
      this.logger.log({ token }, 'job stopped: its task ended');
    }
  }

  /**
   * Marks the task finished with its result fields and durations; logs one line per task. Resolves
   * false when nothing was written: the task had already ended or expired or, with `allChunksIn`,
   * not every chunk result is recorded (see TaskStore.update).
   */
  async finish<R extends TaskRecord>(
    record: R,
    fields: ResultFieldsOf<R> & { executionMs: number },
    { allChunksIn = false, now = Date.now() }: EndOptions = {},
  ): Promise<boolean> {
    const durations = durationsOf(record, now);
    const written = await this.store.update(
      record.token,
      { ...fields, ...durations, status: 'finished', finishedAt: now },
      ['requested', 'received'],
      { allChunksIn },
    );
    if (written) {
      await this.usage.finished(record.client, record.token);
      const measured = { executionMs: fields.executionMs, ...durations };
      this.metrics.ended(record.task, 'finished', measured);
      this.logger.log(
        {
          token: record.token,
          task: record.task,
          outcome: 'finished',
          bytes: record.bytes,
          ...measured,
          wallMs: 'wallMs' in fields ? fields.wallMs : undefined,
        },
        'task finished',
      );
    }
    return written;
  }

  /** Marks the task errored with a reason a client can act on (no-op if it already ended or expired). */
  async fail(
    token: string,
    error: string,
    { allChunksIn = false, now = Date.now() }: EndOptions = {},
  ): Promise<boolean> {
    const record = await this.store.get(token);
    if (!record) return false;
    const durations = durationsOf(record, now);
    const written = await this.store.update(
      token,
      { ...durations, status: 'errored', error, finishedAt: now },
      ['requested', 'received'],
      { allChunksIn },
    );
    if (written) {
      await this.usage.finished(record.client, token);
      this.metrics.ended(record.task, 'errored', durations);
      this.logger.warn(
        { token, task: record.task, outcome: 'errored', error, bytes: record.bytes, ...durations },
        'task errored',
      );
    }
    return written;
  }
}

export interface EndOptions {
  /** Only if every chunk result of the task is recorded (an even-sum fan-in). */
  allChunksIn?: boolean;
  now?: number;
}

/** Queue wait (request or enqueue → start) and lead time (request → finish), wall-clock epoch ms. */
export function durationsOf(
  record: Pick<TaskRecord, 'requestedAt' | 'enqueuedAt' | 'startedAt'>,
  finishedAt: number,
): { queueWaitMs?: number; leadTimeMs: number } {
  const queuedFrom = record.enqueuedAt ?? record.requestedAt;
  return {
    queueWaitMs:
      record.startedAt !== undefined ? Math.max(0, record.startedAt - queuedFrom) : undefined,
    leadTimeMs: Math.max(0, finishedAt - record.requestedAt),
  };
}
