import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { hostname } from 'node:os';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTaskToken } from '../contract';
import { assertBlobKey, assertBlobPrefix } from './blob-store';
import type { BlobRead, BlobStore, PutOptions } from './blob-store';
import type { DirectUploads, StoredPart, UploadedPart } from './direct-uploads';
import type { PresignedReads } from './presigned-reads';
import { meterBody } from './metered-body';
import { fromS3Error, rethrow, s3ErrorName } from './s3-errors';
import { S3MultipartUploads } from './s3-multipart-uploads';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Part size of streamed uploads (>= 5 MiB). */
  partBytes: number;
  /** Parts of one streamed upload in flight at once: memory per upload is about (queueSize + 1) × partBytes. */
  queueSize?: number;
  /** Keys per listing page (S3's maximum is 1000; tests page with fewer). */
  pageSize?: number;
}

/**
 * BlobStore on an S3 bucket (or an S3-compatible server); also hands out presigned multipart uploads
 * and presigned downloads.
 */
export class S3BlobStore implements BlobStore, DirectUploads, PresignedReads {
  // Parts of a multipart upload cannot be read before it completes: an even-sum input is scanned
  // once stored whole (see docs/architecture.md, Even-sum).
  readonly readableWhileWriting = false;
  private readonly bucket: string;
  private readonly uploads: S3MultipartUploads;

  constructor(
    private readonly s3: S3Client,
    private readonly options: S3BlobStoreOptions,
  ) {
    this.bucket = options.bucket;
    this.uploads = new S3MultipartUploads(s3, options);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<number> {
    assertBlobKey(key);
    const metered = meterBody(body, options);
    // The body's own failure (too large, client gone) is what the caller must see, not the
    // upload's echo of it (or an abort that the server refused).
    let bodyError: unknown;
    metered.stream.on('error', (err) => (bodyError ??= err));
    // Multipart with a bounded queue: memory stays near (queueSize + 1) parts whatever the file
    // size; on failure lib-storage aborts the upload, so no object and no parts are left.
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: metered.stream },
      partSize: this.options.partBytes,
      queueSize: this.options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return metered.bytes();
    } catch (err) {
      metered.stream.destroy();
      throw bodyError ?? fromS3Error(err);
    }
  }

  async putBuffer(key: string, body: Buffer): Promise<void> {
    assertBlobKey(key);
    await this.s3
      .send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .catch(rethrow());
  }

  async getBuffer(key: string): Promise<Buffer> {
    assertBlobKey(key);
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await Body!.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw fromS3Error(err, key);
    }
  }

  async openRead(key: string): Promise<BlobRead> {
    assertBlobKey(key);
    const abort = new AbortController();
    const { Body, ContentLength } = await this.s3
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: abort.signal })
      .catch(rethrow(key));
    // The download is read only as fast as the consumer reads (backpressure reaches S3 through
    // TCP). The SDK may wrap the response (checksums) so that destroying its Body does not end the
    // request: a consumer that stops early aborts it instead.
    const body = new PassThrough({ highWaterMark: 64 * 1024 });
    body.once('close', () => abort.abort());
    pipeline(Body as Readable, body).catch(() => undefined); // its errors reach `body`
    return { size: ContentLength ?? 0, body };
  }

  presignRead(key: string, expiresInSeconds: number, contentType: string): Promise<string> {
    assertBlobKey(key);
    // The response type is signed into the URL: the object was stored without one (streamed puts).
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: contentType,
    });
    return getSignedUrl(this.s3, command, { expiresIn: expiresInSeconds });
  }

  readRange(key: string, start: number, endExclusive: number): Readable {
    assertBlobKey(key);
    // S3 has no empty byte range ("bytes=5-4" would return the whole object).
    if (endExclusive <= start) return Readable.from([]);
    const out = new PassThrough();
    const abort = new AbortController();
    // A reader that stops early (the scanner breaks out at a chunk's end) also ends the download.
    out.on('close', () => abort.abort());
    const range = `bytes=${start}-${endExclusive - 1}`;
    this.s3
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }), {
        abortSignal: abort.signal,
      })
      .then(({ Body, ContentRange, ContentLength }) => {
        // A server that ignored the Range header would have every chunk scan the whole file.
        if (ContentLength !== 0 && !ContentRange?.startsWith(`bytes ${start}-`)) {
          throw new Error(
            `storage answered ${range} of ${key} with ${ContentRange ?? 'the whole object'}`,
          );
        }
        // Some S3-compatible servers answer "bytes=0-0" with more (s3rver): keep what was asked for.
        return pipeline(Body as Readable, atMost(endExclusive - start), out);
      })
      .catch((err: unknown) => {
        // A range that starts past the end holds no bytes, as for a file.
        if (s3ErrorName(err) === 'InvalidRange') out.end();
        else out.destroy(fromS3Error(err, key) as Error);
      });
    return out;
  }

  /** Objects are not local files: the scanner streams them with readRange. */
  localPath(): undefined {
    return undefined;
  }

  async size(key: string): Promise<number> {
    assertBlobKey(key);
    const head = await this.s3
      .send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch(rethrow(key));
    return head.ContentLength ?? 0;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.s3
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch(rethrow(key));
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertBlobPrefix(prefix);
    for await (const page of this.pages(prefix)) {
      if (!page.length) continue;
      const { Errors } = await this.s3
        .send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: page.map((o) => ({ Key: o.key })), Quiet: true },
          }),
        )
        .catch(rethrow());
      if (Errors?.length)
        throw new Error(
          `could not delete ${Errors.length} blobs under ${prefix}: ${Errors[0].Code} ${Errors[0].Message}`,
        );
    }
  }

  async *listTasks(): AsyncIterable<{ token: string; modifiedAt: number }> {
    // Keys come sorted, so a task's blobs are adjacent: a token is complete when the next one starts.
    let current: { token: string; modifiedAt: number } | undefined;
    for await (const page of this.pages('')) {
      for (const { key, modifiedAt } of page) {
        const token = key.split('/')[0];
        if (!isTaskToken(token)) continue;
        if (current?.token === token) {
          current.modifiedAt = Math.max(current.modifiedAt, modifiedAt);
          continue;
        }
        if (current) yield current;
        current = { token, modifiedAt };
      }
    }
    if (current) yield current;
  }

  async checkWritable(): Promise<void> {
    // Outside the `<token>/` key space, so listTasks never sees it.
    const Key = `.probe/${hostname()}-${process.pid}`;
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: 'ok' }));
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      throw fromS3Error(err);
    }
  }

  // DirectUploads and the stale-upload sweep live in S3MultipartUploads; the store hands them on,
  // so callers keep one object (supportsDirectUploads, TaskCleaner's abortStaleUploads).
  createMultipartUpload(key: string): Promise<string> {
    return this.uploads.createMultipartUpload(key);
  }

  presignPart(...args: Parameters<DirectUploads['presignPart']>): Promise<string> {
    return this.uploads.presignPart(...args);
  }

  completeMultipartUpload(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    return this.uploads.completeMultipartUpload(key, uploadId, parts);
  }

  listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    return this.uploads.listParts(key, uploadId);
  }

  abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    return this.uploads.abortMultipartUpload(key, uploadId);
  }

  abortStaleUploads(...args: Parameters<S3MultipartUploads['abortStaleUploads']>): Promise<number> {
    return this.uploads.abortStaleUploads(...args);
  }

  /** Every object under `prefix`, a listing page at a time. */
  private async *pages(prefix: string): AsyncIterable<{ key: string; modifiedAt: number }[]> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix || undefined,
            ContinuationToken,
            MaxKeys: this.options.pageSize,
          }),
        )
        .catch(rethrow());
      yield (page.Contents ?? []).map((o) => ({
        key: o.Key!,
        modifiedAt: o.LastModified?.getTime() ?? 0,
      }));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
}

/** Passes the first `limit` bytes and drops the rest. */
function atMost(limit: number): Transform {
  let left = limit;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const keep = chunk.subarray(0, Math.max(0, left));
      left -= keep.length;
      done(null, keep.length ? keep : undefined);
    },
  });
}
