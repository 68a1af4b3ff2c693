import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { JobCounts } from 'bull';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { queueDepthEmf, WORK_QUEUES } from '@app/tasks/metrics';
import type { QueueCounts } from '@app/tasks/metrics';
import { TaskQueue } from '@app/tasks/queues';
import { withRedisTimeout } from '@app/tasks/redis';
import { isFirstProcess } from '@app/tasks/cluster';

// Well inside the shortest interval: a slow Redis skips a line rather than stacking reads up.
const READ_TIMEOUT_MS = 1000;

/**
 * Writes the bull queue depths to stdout as CloudWatch embedded-metric-format lines every
 * QUEUE_DEPTH_EMF_SECONDS (off by default). On ECS the awslogs driver ships stdout to CloudWatch
 * Logs, which turns these lines into TaskService/QueueDepth, the metric the workers scale on.
 *
 * Straight to stdout, not through pino: a metric must not vanish with LOG_LEVEL=warn nor change
 * shape with LOG_PRETTY, and an EMF event is the JSON document alone.
 */
@Injectable()
export class QueueDepthEmfPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QueueDepthEmfPublisher.name);
  private timer?: NodeJS.Timeout;
  private publishing = false;
  private stopped = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly queues: TaskQueue,
  ) {}

  onApplicationBootstrap(): void {
    const emf = this.config.queueDepthEmf;
    // One publisher per api: N processes would write every depth N times.
    if (!emf || !isFirstProcess()) return;
    this.timer = setInterval(() => void this.publish(), emf.intervalSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.stopped = true;
  }

  /**
   * Reads every work queue's counts and writes one EMF line per document. When Redis cannot be
   * read it writes nothing: a gap holds the worker count (target tracking), a false zero would
   * scale the workers in.
   */
  async publish(): Promise<void> {
    const emf = this.config.queueDepthEmf;
    if (!emf || this.publishing) return;
    this.publishing = true;
    try {
      const counts = await Promise.all(WORK_QUEUES.map((name) => this.counts(name)));
      const lines = queueDepthEmf(counts, emf.deployment, Date.now()).map(
        (doc) => `${JSON.stringify(doc)}\n`,
      );
      process.stdout.write(lines.join(''));
    } catch (err) {
      // A read cut short by shutdown (the queues closing) is no news.
      if (!this.stopped)
        this.logger.warn({ err: (err as Error).message }, 'queue depths not published');
    } finally {
      this.publishing = false;
    }
  }

  private async counts(name: (typeof WORK_QUEUES)[number]): Promise<QueueCounts> {
    const read = this.queues.queue(name).getJobCounts();
    // bull 4 counts `paused` too (its typings omit it): the jobs of a paused queue wait there.
    const c = (await withRedisTimeout(read, READ_TIMEOUT_MS)) as JobCounts & { paused?: number };
    // Prioritised jobs sit in `wait` like the others, so waiting + paused is every job ready to run.
    return {
      queue: name,
      waiting: c.waiting + (c.paused ?? 0),
      active: c.active,
      delayed: c.delayed,
    };
  }
}
