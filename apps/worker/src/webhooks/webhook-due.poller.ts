import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { TaskQueue } from '@app/tasks/queues';
import { InjectRedis, redisKeys, TaskRedis } from '@app/tasks/redis';

// Tokens moved per poll; the rest wait for the next one.
const BATCH = 100;

/**
 * Moves ended tasks' callbacks from the due set (written atomically with each end) into the
 * webhook queue. Added first, removed after: a worker that dies in between leaves the token in the
 * set, and the next poll's add is ignored by bull (job id = token), so a callback is queued once
 * and never lost. Every worker polls; bull's job id makes concurrent polls harmless.
 */
@Injectable()
export class WebhookDuePoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDuePoller.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectRedis() private readonly redis: TaskRedis,
    private readonly queue: TaskQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.poll()
        .catch((err: unknown) => this.logger.warn({ err }, 'webhook poll failed: next one retries'))
        .finally(() => (this.running = undefined));
    }, this.config.webhooks.pollMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the due set. */
  async poll(): Promise<void> {
    const due = redisKeys.webhooksDue(this.config.queuePrefix);
    const tokens = await this.redis.zrange(due, 0, BATCH - 1);
    for (const token of tokens) {
      await this.queue.addWebhook(token, this.config.webhooks);
      await this.redis.zrem(due, token);
    }
  }
}
