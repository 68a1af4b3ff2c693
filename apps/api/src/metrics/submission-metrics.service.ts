import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { TaskQueue } from '@app/tasks/queues';
import { withRedisTimeout } from '@app/tasks/redis';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'paused'] as const;

/** What the api sees: submissions, uploaded bytes, and the queues' depth (read at scrape time). */
@Injectable()
export class SubmissionMetrics {
  readonly submitted: Counter<'task'>;
  readonly uploadBytes: Counter<'task'>;

  constructor(registry: Registry, queues: TaskQueue) {
    const registers = [registry];
    this.submitted = new Counter({
      name: 'tasks_submitted_total',
      help: 'Tasks accepted by the api',
      labelNames: ['task'],
      registers,
    });
    this.uploadBytes = new Counter({
      name: 'upload_bytes_total',
      help: 'Bytes of task inputs stored',
      labelNames: ['task'],
      registers,
    });
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers,
      // Read from Redis: every api process sees the same depths, so a cluster reports one of them.
      aggregator: 'first',
      async collect() {
        // A scrape must not fail because Redis is away: the gauge then keeps its last values.
        await Promise.all(
          queues.all().map(async (queue) => {
            const counts = await withRedisTimeout(queue.getJobCounts(), 1000).catch(() => null);
            if (!counts) return;
            for (const state of STATES)
              this.set(
                { queue: queue.name, state },
                (counts as unknown as Record<string, number>)[state] ?? 0,
              );
          }),
        );
      },
    });
  }
}
