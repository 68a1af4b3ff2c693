import { Injectable } from '@nestjs/common';
import { AppConfig, InjectConfig } from '@app/tasks/config/app-config';
import { JobName, TaskKind } from '@app/tasks/queues/queue-names';
import { rawBytesPerPixel, readPngHeader } from '@app/tasks/randomize/png-header';
import { pngOutputBound } from '@app/tasks/randomize/png-output-bound';
import { blobKeys, BlobStore, InjectBlobStore } from '@app/tasks/storage/blob-store';
import { newTaskToken } from '@app/tasks/tasks/task-token';
import { badRequest } from '@app/tasks/http/task-http.errors';
import { TaskSubmitter } from '../tasks/task-submitter.service';

export interface RandomizeRequest {
  png: Buffer;
  blockSize: number;
  seed?: number;
  client: string;
  requestedAt: number;
}

/** Validates a PNG cheaply (signature, IHDR, pixel limit), stores it and queues the shuffle. */
@Injectable()
export class RandomizeService {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly submitter: TaskSubmitter,
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
    const inputKey = blobKeys.randomizeInput(token);
    await this.blobs.putBuffer(inputKey, req.png);
    await this.submitter.submit({
      token,
      task: TaskKind.Randomize,
      client: req.client,
      requestedAt: req.requestedAt,
      inputKey,
      bytes: req.png.length,
      job: JobName.Randomize,
      data: { token, inputKey, blockSize: req.blockSize, seed: req.seed },
      unit: {
        kind: 'image',
        rawBytes: header.width * header.height * rawBytesPerPixel(header),
        height: header.height,
      },
      // The result counts against the client's stored bytes too: its bound is reserved now (a
      // small input can shuffle into a big output), and the worker settles it to the real size.
      reservedBytes: req.png.length + pngOutputBound(header),
    });
    return token;
  }
}
