import { HttpStatus } from '@nestjs/common';
import { TaskHttpError } from './task-http.errors';

/** How long a refused client should wait: bodies in flight end within seconds (or their deadline). */
export const BUDGET_RETRY_AFTER_SECONDS = 5;

/** A 429 (the client's share) or 503 (the whole process) for bytes the budget cannot hold now. */
export class BodyBudgetError extends TaskHttpError {
  readonly retryAfterSeconds = BUDGET_RETRY_AFTER_SECONDS;
}

export interface BodyBudgetLimits {
  /** Bytes held at once over all clients, and the setting that sets it (named in the 503). */
  total: number;
  totalSetting: string;
  /** Bytes held at once for one client, and its setting (named in the 429). */
  perClient: number;
  perClientSetting: string;
}

/**
 * Counts the request-body bytes one process holds in memory, in all and per client, and refuses
 * what would pass either cap. Per process on purpose: it bounds this process's memory, which is
 * what runs out; api replicas each have their own.
 */
export class BodyBudget {
  private total = 0;
  private readonly clients = new Map<string, number>();

  constructor(private readonly limits: BodyBudgetLimits) {}

  /** Reserves `bytes` for `client`, or throws BodyBudgetError (nothing is reserved then). */
  reserve(client: string, bytes: number): BodyReservation {
    const reservation = new BodyReservation(this, client);
    reservation.grow(bytes);
    return reservation;
  }

  /** Bytes reserved now, and how many clients hold some. */
  inFlight(): { bytes: number; clients: number } {
    return { bytes: this.total, clients: this.clients.size };
  }

  /** @internal Adds `bytes` to `client`'s count if both caps allow it. */
  take(client: string, bytes: number): void {
    const held = this.clients.get(client) ?? 0;
    // The client's own cap first: a client over its share learns that it is its own doing (429).
    if (held + bytes > this.limits.perClient)
      throw new BodyBudgetError(
        HttpStatus.TOO_MANY_REQUESTS,
        `too many image bytes in flight for this client: at most ${this.limits.perClient} at once (${this.limits.perClientSetting}); retry after the Retry-After seconds`,
      );
    if (this.total + bytes > this.limits.total)
      throw new BodyBudgetError(
        HttpStatus.SERVICE_UNAVAILABLE,
        `the api is receiving too many image bytes at once: at most ${this.limits.total} (${this.limits.totalSetting}); retry after the Retry-After seconds`,
      );
    this.clients.set(client, held + bytes);
    this.total += bytes;
  }

  /** @internal Gives back `bytes` of `client`; a client at zero leaves the map. */
  give(client: string, bytes: number): void {
    const left = (this.clients.get(client) ?? 0) - bytes;
    if (left > 0) this.clients.set(client, left);
    else this.clients.delete(client);
    this.total -= bytes;
  }
}

/** Bytes held for one request; `release` gives them all back, once, whatever happened. */
export class BodyReservation {
  private held = 0;
  private released = false;

  constructor(
    private readonly budget: BodyBudget,
    private readonly client: string,
  ) {}

  /** Adds `bytes` (a chunked body, as it arrives); throws BodyBudgetError past either cap. */
  grow(bytes: number): void {
    if (this.released) throw new Error('reservation already released');
    this.budget.take(this.client, bytes);
    this.held += bytes;
  }

  /** Gives every reserved byte back; safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.client, this.held);
    this.held = 0;
  }
}
