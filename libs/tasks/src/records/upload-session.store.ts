import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, InjectConfig } from '../config';
import { redisKeys, InjectRedis } from '../redis';

/** A direct upload between `POST /even-sum/uploads` and its completion. */
export interface UploadSession {
  uploadId: string;
  client: string;
  /** Declared size in bytes: the completed object must have exactly this many. */
  size: number;
  partSize: number;
  parts: number;
  /** When the upload was requested (epoch ms): the task's lead time starts here. */
  requestedAt: number;
  /** When the session expires unless the client comes back (epoch ms); moved by each request. */
  expiresAt: number;
  /** The task's callbackUrl, given when the upload started (validated then). */
  callbackUrl?: string;
}

// Long enough for CompleteMultipartUpload of a multi-GB object; short enough that a crashed api
// does not block a retry for long.
const COMPLETING_MS = 15 * 60_000;

/**
 * Direct-upload sessions in Redis (`<prefix>:upload:<token>`), kept until PRESIGN_EXPIRES_SECONDS
 * after the client's last request on them (each request presigns fresh URLs). Both apps use it: the api to start and complete uploads, the worker's sweep to spare
 * uploads still in progress.
 */
@Injectable()
export class UploadSessionStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  private key(token: string): string {
    return redisKeys.uploadSession(this.config.queuePrefix, token);
  }

  private completingKey(token: string): string {
    return redisKeys.uploadCompleting(this.config.queuePrefix, token);
  }

  /** Saves a new session for `ttlSeconds`. */
  async create(token: string, session: UploadSession, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(token), JSON.stringify(session), 'EX', ttlSeconds, 'NX');
  }

  /** The session of `token`, if it has not expired. */
  async get(token: string): Promise<UploadSession | undefined> {
    const raw = await this.redis.get(this.key(token));
    return raw ? (JSON.parse(raw) as UploadSession) : undefined;
  }

  /**
   * Saves `session` again with a fresh `ttlSeconds` (the client is active: a session expires after
   * PRESIGN_EXPIRES_SECONDS without activity). False when it has ended meanwhile: it is not revived.
   */
  async touch(token: string, session: UploadSession, ttlSeconds: number): Promise<boolean> {
    return (
      (await this.redis.set(this.key(token), JSON.stringify(session), 'EX', ttlSeconds, 'XX')) ===
      'OK'
    );
  }

  /** True while the session exists (its upload must not be swept). */
  async exists(token: string): Promise<boolean> {
    return (await this.redis.exists(this.key(token))) === 1;
  }

  /** Takes the session for completion; false when another request already holds it. */
  async claim(token: string): Promise<boolean> {
    return (
      (await this.redis.set(this.completingKey(token), '1', 'PX', COMPLETING_MS, 'NX')) === 'OK'
    );
  }

  /** Gives a claimed session back (the completion failed in a way the client can retry). */
  async release(token: string): Promise<void> {
    await this.redis.del(this.completingKey(token));
  }

  /** Ends the session (completed, or beyond repair). */
  async delete(token: string): Promise<void> {
    await this.redis.del(this.key(token), this.completingKey(token));
  }
}
