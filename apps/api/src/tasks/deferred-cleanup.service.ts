import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * Cleanups that must land even when Redis is away for a moment: giving back an abandoned upload's
 * quota, removing the chunks it queued. Such a step runs when a request fails, which is often
 * *because* Redis is down; dropped, it would hold the client's upload slot (and pending slot and
 * bytes) until its lease expires, minutes later, and a client retrying after the outage would
 * meet 429s. So a step that fails is tried again in the background (backoff from 250 ms to 5 s)
 * until it succeeds or `giveUpAfterMs` has passed (by then what it would undo has expired). Every
 * step must be idempotent: it may have run before its error reached us.
 */
@Injectable()
export class DeferredCleanup implements OnApplicationShutdown {
  private readonly logger = new Logger(DeferredCleanup.name);
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `step` now; if it fails, again later. Never rejects: a caller's own error stays the answer. */
  async run(
    what: string,
    token: string,
    step: () => Promise<unknown>,
    giveUpAfterMs: number,
  ): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.logger.warn({ token, err }, `${what} failed; trying again in the background`);
      this.retry(what, token, step, Date.now() + giveUpAfterMs, FIRST_RETRY_MS);
    }
  }

  /** Cleanups still waiting to be retried. */
  get waiting(): number {
    return this.timers.size;
  }

  onApplicationShutdown(): void {
    // What they would have undone expires on its own (leases, TTLs); say so rather than hang.
    if (this.timers.size)
      this.logger.warn({ waiting: this.timers.size }, 'cleanups left to expire on their own');
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private retry(
    what: string,
    token: string,
    step: () => Promise<unknown>,
    deadline: number,
    delayMs: number,
  ): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      step().then(
        () => this.logger.log({ token }, `${what} done on a retry`),
        (err: unknown) => {
          if (Date.now() + delayMs > deadline) {
            this.logger.error({ token, err }, `${what} given up; it expires on its own`);
            return;
          }
          this.retry(what, token, step, deadline, Math.min(2 * delayMs, MAX_RETRY_MS));
        },
      );
    }, delayMs);
    // A process shutting down does not wait for these (see onApplicationShutdown).
    timer.unref();
    this.timers.add(timer);
  }
}
