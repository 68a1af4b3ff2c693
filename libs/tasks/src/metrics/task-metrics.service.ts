import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { TaskKind } from '../contract';

/** Seconds: 50 ms (a small image) up to 30 min (a very large even-sum upload and scan). */
// Finer below 2.5 s, where images and small files land, so p50/p95 estimates are tight there.
export const TASK_BUCKETS = [
  0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200,
  1800,
];

export type Outcome = 'finished' | 'errored';

/**
 * What the worker measures, per task type (labels are bounded: task and outcome only; never a
 * token or a client id).
 */
@Injectable()
export class TaskMetrics {
  readonly execution: Histogram<'task'>;
  readonly leadTime: Histogram<'task'>;
  readonly queueWait: Histogram<'task'>;
  readonly chunk: Histogram;
  readonly finished: Counter<'task' | 'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.execution = new Histogram({
      name: 'task_execution_seconds',
      help: 'Worker processing time per task (even-sum: sum over its chunks)',
      labelNames: ['task'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.leadTime = new Histogram({
      name: 'task_lead_time_seconds',
      help: 'Request arrival to end of processing, wall clock',
      labelNames: ['task'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.queueWait = new Histogram({
      name: 'task_queue_wait_seconds',
      help: 'Enqueue to start of processing',
      labelNames: ['task'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.chunk = new Histogram({
      name: 'even_sum_chunk_seconds',
      help: 'Processing time of one even-sum chunk',
      buckets: TASK_BUCKETS,
      registers,
    });
    this.finished = new Counter({
      name: 'tasks_finished_total',
      help: 'Tasks that ended, by outcome',
      labelNames: ['task', 'outcome'],
      registers,
    });
  }

  /** Records a task's end with whatever durations are known (ms). */
  ended(
    task: TaskKind,
    outcome: Outcome,
    ms: { executionMs?: number; queueWaitMs?: number; leadTimeMs?: number },
  ): void {
    this.finished.inc({ task, outcome });
    if (ms.executionMs !== undefined) this.execution.observe({ task }, ms.executionMs / 1000);
    if (ms.queueWaitMs !== undefined) this.queueWait.observe({ task }, ms.queueWaitMs / 1000);
    if (ms.leadTimeMs !== undefined) this.leadTime.observe({ task }, ms.leadTimeMs / 1000);
  }
}
