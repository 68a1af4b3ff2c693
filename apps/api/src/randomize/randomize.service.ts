import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { TaskKind, newTaskToken } from '@app/tasks/contract';
import { PngHeader, readPngHeader } from '@app/tasks/randomize';
import { blobKeys, BlobStore, InjectBlobStore } from '@app/tasks/storage';
import { badRequest } from '../http/task-http.errors';
import { TaskSubmitter } from '../tasks/task-submitter.service';
import { digestOf } from '../tasks/body-digest';
import { IdempotentSubmissions, isReplay, withCallback } from '../tasks/idempotency.service';

export interface RandomizeRequest {
  png: Buffer;
  blockSize: number;
  seed?: number;
  callbackUrl?: string;
  client: string;
  requestedAt: number;
  /** The request's Idempotency-Key, with its request (for the replay's answer headers). */
  idempotency?: { key: string; req: Request };
}

/** Validates a PNG cheaply (signature, IHDR, pixel limit), stores it and queues the shuffle. */
@Injectable()
export class RandomizeService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly submitter: TaskSubmitter,
    private readonly idempotency: IdempotentSubmissions,
  ) {}

  async submit(req: RandomizeRequest): Promise<string> {
    if (req.png.length === 0) throw badRequest('body is empty: send the PNG bytes');
    const header = readPngHeader(req.png);
    if (typeof header === 'string') throw badRequest(header);
    if (header.width * header.height > this.config.maxImagePixels) {
      throw badRequest(
        `image of ${header.width}x${header.height} pixels exceeds the limit of ${this.config.maxImagePixels} pixels`,
      );
    }
    const token = newTaskToken();
    if (!req.idempotency) return this.store(req, header, token);
    // The whole body is at hand: claimed with its digest, a replay is answered without storing.
    const digest = digestOf(req.png);
    const { key, req: http } = req.idempotency;
    const request = withCallback(
      `${TaskKind.Randomize}?blockSize=${req.blockSize}&seed=${req.seed ?? ''}`,
      req.callbackUrl,
    );
    const claim = await this.idempotency.claim(
      http,
      req.client,
      key,
      { request, declared: req.png.length },
      token,
    );
    if (isReplay(claim)) return this.idempotency.replay(http, claim, digest, req.png.length);
    try {
      await this.store(req, header, token);
    } catch (err) {
      await claim.release();
      throw err;
    }
    await claim.complete(req.png.length, digest).catch(() => undefined);
    return token;
  }

  private async store(req: RandomizeRequest, header: PngHeader, token: string): Promise<string> {
    const inputKey = blobKeys.randomizeInput(token);
    await this.blobs.putBuffer(inputKey, req.png);
    await this.submitter.submit({
      token,
      task: TaskKind.Randomize,
      client: req.client,
      requestedAt: req.requestedAt,
      inputKey,
      bytes: req.png.length,
      header,
      blockSize: req.blockSize,
      seed: req.seed,
      callbackUrl: req.callbackUrl,
    });
    return token;
  }
}
