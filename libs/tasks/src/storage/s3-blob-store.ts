import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { hostname } from 'node:os';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTaskToken } from '../contract';
import { assertBlobKey, assertBlobPrefix, BlobNotFoundError } from './blob-store';
import type { BlobRead, BlobStore, PutOptions } from './blob-store';
import { DirectUploads, UploadedPart, UploadRejectedError } from './direct-uploads';
import { meterBody } from './metered-body';
import { fromS3Error, s3ErrorName } from './s3-errors';

// S3's answers to a completion whose part list does not fit the upload: the client's mistake (400).
const REJECTED_COMPLETION = new Set([
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'MalformedXML',
  'InvalidArgument',
]);

export interface S3BlobStoreOptions {
  bucket: string;
  /** Part size of streamed uploads (>= 5 MiB). */
  partBytes: number;
  /** Parts of one streamed upload in flight at once: memory per upload is about (queueSize + 1) × partBytes. */
  queueSize?: number;
  /** Keys per listing page (S3's maximum is 1000; tests page with fewer). */
  pageSize?: number;
}

/** BlobStore on an S3 bucket (or an S3-compatible server); also hands out presigned multipart uploads. */
export class S3BlobStore implements BlobStore, DirectUploads {
  private readonly bucket: string;

  constructor(
    private readonly s3: S3Client,
    private readonly options: S3BlobStoreOptions,
  ) {
    this.bucket = options.bucket;
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

  async createMultipartUpload(key: string): Promise<string> {
    assertBlobKey(key);
    const { UploadId } = await this.s3
      .send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }))
      .catch(rethrow());
    return UploadId!;
  }

  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds: number,
    contentLength: number,
  ): Promise<string> {
    assertBlobKey(key);
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
      ContentLength: contentLength,
    });
    // The presigner leaves Content-Length unsigned unless asked: signed, S3 refuses a PUT of any
    // other size (SignatureDoesNotMatch), so a session's parts hold exactly the declared bytes and
    // a client cannot park more in the bucket than its quota reserved.
    return getSignedUrl(this.s3, command, {
      expiresIn: expiresInSeconds,
      signableHeaders: new Set(['content-length']),
    });
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: UploadedPart[],
  ): Promise<void> {
    assertBlobKey(key);
    const Parts = [...parts]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag }));
    try {
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts },
        }),
      );
    } catch (err) {
      const name = s3ErrorName(err) ?? '';
      if (REJECTED_COMPLETION.has(name))
        throw new UploadRejectedError(`${name}: ${(err as Error).message}`);
      if (name === 'NoSuchUpload') throw new BlobNotFoundError(key);
      throw fromS3Error(err, key);
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    assertBlobKey(key);
    await this.s3
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
      .catch((err: unknown) => {
        if (s3ErrorName(err) !== 'NoSuchUpload') throw fromS3Error(err);
      });
  }

  /**
   * Aborts multipart uploads of task keys that are older than `olderThanMs`, not claimed by
   * `isLive`, and whose newest part is older too: a presigned upload past its URLs' expiry, or a
   * streamed put whose api died (a slow streamed put still adding parts is left alone). On AWS the
   * bucket's AbortIncompleteMultipartUpload lifecycle rule (1 day) is the backstop for both.
   */
  async abortStaleUploads(
    olderThanMs: number,
    isLive: (token: string) => Promise<boolean>,
    now = Date.now(),
  ): Promise<number> {
    let aborted = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await this.s3
        .send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            KeyMarker,
            UploadIdMarker,
            MaxUploads: this.options.pageSize,
          }),
        )
        .catch(rethrow());
      for (const { Key, UploadId, Initiated } of page.Uploads ?? []) {
        const token = Key?.split('/')[0] ?? '';
        if (
          !Key ||
          !UploadId ||
          !isTaskToken(token) ||
          now - (Initiated?.getTime() ?? now) < olderThanMs
        )
          continue;
        if (await isLive(token)) continue;
        if (now - (await this.lastPartAt(Key, UploadId)) < olderThanMs) continue;
        await this.abortMultipartUpload(Key, UploadId);
        aborted++;
      }
      [KeyMarker, UploadIdMarker] = page.IsTruncated
        ? [page.NextKeyMarker, page.NextUploadIdMarker]
        : [undefined, undefined];
    } while (KeyMarker !== undefined);
    return aborted;
  }

  /** When the newest part of an upload arrived (0 when it has none). */
  private async lastPartAt(Key: string, UploadId: string): Promise<number> {
    let newest = 0;
    let PartNumberMarker: string | undefined;
    do {
      const page = await this.s3
        .send(new ListPartsCommand({ Bucket: this.bucket, Key, UploadId, PartNumberMarker }))
        .catch(rethrow());
      for (const part of page.Parts ?? [])
        newest = Math.max(newest, part.LastModified?.getTime() ?? 0);
      PartNumberMarker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (PartNumberMarker !== undefined);
    return newest;
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

/** A `.catch` handler that rethrows an SDK error as the BlobStore's error for `key`. */
function rethrow(key?: string): (err: unknown) => never {
  return (err) => {
    throw fromS3Error(err, key);
  };
}
