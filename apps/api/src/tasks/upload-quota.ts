import type { Request } from 'express';
import { AppConfig } from '@app/tasks/config';
import { ClientUsageStore } from '@app/tasks/limits';
import { quotaExceeded } from './quota.errors';

const MiB = 1024 * 1024;
// A chunked body reserves this much ahead at a time: one Redis call per MiB, and at most a MiB
// of quota held beyond what arrived.
const STEP_BYTES = MiB;

/**
 * The quota side of one streamed upload: opened before the first byte (its Content-Length, or
 * nothing yet when chunked), grown as bytes arrive past what is reserved, its lease renewed while
 * bytes flow. Converted into the task's reservation by TaskSubmitter, or released by it.
 */
export class UploadQuota {
  private granted = 0;
  private renewedAt = 0;
  private readonly leaseMs: number;

  private constructor(
    private readonly usage: ClientUsageStore,
    private readonly req: Request,
    private readonly client: string,
    private readonly token: string,
    config: AppConfig,
  ) {
    // A live upload sends a byte at least every UPLOAD_IDLE_TIMEOUT_MS (else it is cut), and
    // between its last byte and its submission there is only the storage's final write.
    this.leaseMs = 2 * config.uploadIdleTimeoutMs + 60_000;
  }

  /** Takes an upload slot, a pending slot and `declared` bytes (0 when chunked); 429 when a cap refuses. */
  static async open(
    usage: ClientUsageStore,
    config: AppConfig,
    req: Request,
    client: string,
    token: string,
    declared: number | undefined,
  ): Promise<UploadQuota> {
    const quota = new UploadQuota(usage, req, client, token, config);
    await quota.hold(declared ?? 0, declared ?? 0);
    return quota;
  }

  /** PutOptions.admit: holds at least `bytes` before they are stored. */
  readonly admit = async (bytes: number): Promise<void> => {
    if (bytes > this.granted) await this.hold(bytes, bytes + STEP_BYTES);
    else if (Date.now() - this.renewedAt > this.leaseMs / 4) await this.hold(bytes, this.granted);
  };

  private async hold(need: number, want: number): Promise<void> {
    const now = Date.now();
    const held = await this.usage.hold(
      this.client,
      this.token,
      need,
      want,
      now + this.leaseMs,
      now,
    );
    if (held.outcome !== 'ok') {
      // Refused mid-body: answer now and close, rather than read the rest of a body we refuse.
      if (this.req.res && !this.req.res.headersSent) this.req.res.setHeader('Connection', 'close');
      throw quotaExceeded(held.outcome, need);
    }
    this.granted = held.granted;
    this.renewedAt = now;
  }
}
