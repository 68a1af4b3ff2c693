import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, InjectConfig } from '../config';
import { TaskStore } from '../records';
import { webhookBody } from './webhook-body';
import { sendWebhook } from './webhook-sender';

/** Thrown for an attempt that failed and may be retried (bull's attempts and backoff apply). */
export class WebhookAttemptError extends Error {}

/** The webhook-id of a task's end: the same for every attempt, so a receiver can drop repeats. */
export const webhookId = (token: string) => `msg_${token}`;

/** One delivery attempt of a task's callback, with its state written on the task record. */
@Injectable()
export class WebhookDelivery {
  private readonly logger = new Logger(WebhookDelivery.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly store: TaskStore,
  ) {}

  /**
   * Attempt number `attempt` (1-based). Resolves when delivered, refused (no retry: state `failed`)
   * or nothing to do (record gone, already settled); throws WebhookAttemptError to be retried.
   * `last`: no attempt follows, so a failure settles the state as `failed`.
   */
  async attempt(token: string, attempt: number, last: boolean): Promise<void> {
    const record = await this.store.get(token);
    if (!record?.callbackUrl || record.callbackState) return;
    const { secret, timeoutMs, allowedHosts } = this.config.webhooks;
    if (!secret) throw new WebhookAttemptError('WEBHOOK_SECRET is not set on this worker');
    const outcome = await sendWebhook(
      record.callbackUrl,
      webhookId(token),
      JSON.stringify(webhookBody(record)),
      { secret, timeoutMs, allowedHosts },
    );
    if (outcome.kind === 'delivered') {
      await this.store.update(token, { callbackState: 'delivered', callbackAttempts: attempt });
      this.logger.log({ token, attempt, status: outcome.status }, 'callback delivered');
      return;
    }
    const failed = outcome.kind === 'refused' || last;
    await this.store.update(token, {
      callbackAttempts: attempt,
      callbackError: outcome.reason,
      callbackState: failed ? 'failed' : undefined,
    });
    this.logger.warn({ token, attempt, reason: outcome.reason, failed }, 'callback not delivered');
    if (!failed) throw new WebhookAttemptError(outcome.reason);
  }
}
