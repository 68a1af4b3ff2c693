import { HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, type Hash } from 'node:crypto';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyProblem,
} from '@app/tasks/contract';
import { InjectRedis, redisKeys, TaskRedis } from '@app/tasks/redis';
import { badRequest, TaskHttpError } from '../http/task-http.errors';

/** How long a client should wait before retrying while the first request with its key uploads. */
export const IDEMPOTENCY_RETRY_AFTER_SECONDS = 5;

/** What a submission is, as far as its key is concerned: the same key must come with the same. */
export interface SubmissionFingerprint {
  /** The route's kind of task and its parameters, e.g. `randomize?blockSize=60&seed=7`. */
  request: string;
  /** Content-Length, when declared: a replay of another size is refused before its body is read. */
  declared?: number;
}

/**
 * A route's fingerprint `request` with the callbackUrl the submission asked for, if any (encoded,
 * so no URL can pass for another parameter): a retry with the same key must ask for the same
 * callback. Without one it is the request alone, as before callbacks existed, so keys stored by an
 * earlier api still match across a deploy.
 */
export function withCallback(request: string, callbackUrl: string | undefined): string {
  if (callbackUrl === undefined) return request;
  return `${request}${request.includes('?') ? '&' : '?'}callbackUrl=${encodeURIComponent(callbackUrl)}`;
}

/** An earlier submission with the same key that made a task: answer its token. */
export interface Replay {
  token: string;
  digest: string;
  bytes: number;
}

/**
 * Idempotent submissions: an `Idempotency-Key` claims the submission in Redis (one Lua step, so
 * concurrent requests with one key make one task), the first request's body digest is stored with
 * its token once its task exists, and the same key answers that token again (201 and
 * `Idempotent-Replayed: true`) for RESULT_TTL_SECONDS without storing, enqueuing or charging
 * anything. A claim held by an upload still in progress answers 409 with Retry-After (the client
 * retries; its upload may take minutes, and holding its connection would tie up an api slot),
 * and is freed at once if that upload fails, or after a lease if its api process dies.
 */
@Injectable()
export class IdempotentSubmissions {
  private readonly leaseMs: number;

  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    // As an upload's quota lease: a live upload sends a byte at least every UPLOAD_IDLE_TIMEOUT_MS.
    this.leaseMs = 2 * config.uploadIdleTimeoutMs + 60_000;
  }

  /** The request's Idempotency-Key, or undefined; 400 when it is not 1–255 printable ASCII. */
  keyOf(req: Request): string | undefined {
    const raw = req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    if (raw === undefined) return undefined;
    if (Array.isArray(raw))
      throw badRequest(`send one ${IDEMPOTENCY_KEY_HEADER} header, not several`);
    const problem = idempotencyKeyProblem(raw);
    if (problem) throw badRequest(problem);
    return raw;
  }

  /**
   * Claims `key` for a new submission of `token`: a Claim to complete or release, or a Replay of
   * the earlier submission. 422 when the key was used for another request, 409 while it is in use.
   */
  async claim(
    req: Request,
    client: string,
    key: string,
    fingerprint: SubmissionFingerprint,
    token: string,
  ): Promise<Claim | Replay> {
    const redisKey = redisKeys.idempotency(this.config.queuePrefix, client, key);
    const [state, ...rest] = await this.redis.idemClaim(
      redisKey,
      fingerprint.request,
      token,
      this.leaseMs,
    );
    if (state === 'claimed')
      return new Claim(this.redis, redisKey, token, this.leaseMs, this.config.resultTtlSeconds);
    if (state === 'mismatch') throw mismatch('another request (another kind or parameters)');
    if (state === 'pending') {
      req.res?.setHeader('Retry-After', String(IDEMPOTENCY_RETRY_AFTER_SECONDS));
      throw new TaskHttpError(
        HttpStatus.CONFLICT,
        `a request with this ${IDEMPOTENCY_KEY_HEADER} is still in progress; retry after it ends`,
      );
    }
    const replay: Replay = { token: rest[0], digest: rest[1], bytes: Number(rest[2]) };
    if (fingerprint.declared !== undefined && fingerprint.declared !== replay.bytes)
      throw mismatch(`a body of ${replay.bytes} bytes, not ${fingerprint.declared}`);
    return replay;
  }

  /**
   * `claim` for a request that carries a key; undefined for one without (nothing to claim, complete
   * or release: it is an ordinary submission).
   */
  async claimIfKeyed(
    req: Request,
    client: string,
    key: string | undefined,
    fingerprint: SubmissionFingerprint,
    token: string,
  ): Promise<Claim | Replay | undefined> {
    return key === undefined ? undefined : this.claim(req, client, key, fingerprint, token);
  }

  /**
   * Answers a replay whose body hashed to `digest` (`bytes` long): its token, or 422 when the body
   * is not the first one's.
   */
  replay(req: Request, replay: Replay, digest: string, bytes: number): string {
    if (bytes !== replay.bytes || digest !== replay.digest)
      throw mismatch(
        bytes !== replay.bytes
          ? `a body of ${replay.bytes} bytes, not ${bytes}`
          : 'a body with other contents',
      );
    req.res?.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    return replay.token;
  }
}

/** A submission's hold on its key, from before its body is read until its task exists (or it fails). */
export class Claim {
  private renewedAt = Date.now();
  readonly hash: Hash = createHash('sha256');

  constructor(
    private readonly redis: TaskRedis,
    private readonly key: string,
    readonly token: string,
    private readonly leaseMs: number,
    private readonly ttlSeconds: number,
  ) {}

  /** Hashes a chunk of the body as it goes to storage, renewing the claim now and then. */
  readonly onData = (chunk: Buffer): void => {
    this.hash.update(chunk);
    if (Date.now() - this.renewedAt < this.leaseMs / 4) return;
    this.renewedAt = Date.now();
    // A failed renewal only shortens the claim: the upload goes on.
    this.redis.idemRenew(this.key, this.token, this.leaseMs).catch(() => undefined);
  };

  /** The task exists: replays now answer its token. */
  async complete(bytes: number, digest = this.hash.digest('hex')): Promise<void> {
    await this.redis.idemComplete(this.key, this.token, digest, bytes, this.ttlSeconds);
  }

  /** The submission failed: a retry with the same key may go on (idempotent, never throws). */
  async release(): Promise<void> {
    await this.redis.idemRelease(this.key, this.token).catch(() => undefined);
  }
}

/** True for what `claim` answers when the key already made a task. */
export function isReplay(claim: Claim | Replay): claim is Replay {
  return !(claim instanceof Claim);
}

function mismatch(what: string): TaskHttpError {
  return new TaskHttpError(
    HttpStatus.UNPROCESSABLE_ENTITY,
    `this ${IDEMPOTENCY_KEY_HEADER} was used for ${what}; use a new key for a new request`,
  );
}
