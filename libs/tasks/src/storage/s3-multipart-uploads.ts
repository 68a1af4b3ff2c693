import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  Part,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isTaskToken } from '../contract';
import { assertBlobKey, BlobNotFoundError } from './blob-store';
import { DirectUploads, StoredPart, UploadedPart, UploadRejectedError } from './direct-uploads';
import { fromS3Error, rethrow, s3ErrorName } from './s3-errors';

// S3's answers to a completion whose part list does not fit the upload: the client's mistake (400).
const REJECTED_COMPLETION = new Set([
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'MalformedXML',
  'InvalidArgument',
]);

export interface S3MultipartUploadsOptions {
  bucket: string;
  /** Uploads per listing page (S3's maximum is 1000; tests page with fewer). */
  pageSize?: number;
}

/**
 * The multipart uploads of an S3 bucket: presigned ones for DirectUploads, and the sweep of
 * abandoned ones (presigned or streamed). S3BlobStore composes it; nothing else builds one.
 */
export class S3MultipartUploads implements DirectUploads {
  private readonly bucket: string;

  constructor(
    private readonly s3: S3Client,
    private readonly options: S3MultipartUploadsOptions,
  ) {
    this.bucket = options.bucket;
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

  async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    assertBlobKey(key);
    const parts: StoredPart[] = [];
    for await (const page of this.partPages(key, uploadId)) {
      for (const { PartNumber, Size, ETag } of page)
        if (PartNumber && ETag) parts.push({ partNumber: PartNumber, size: Size ?? 0, etag: ETag });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
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
    for await (const page of this.partPages(Key, UploadId))
      for (const part of page) newest = Math.max(newest, part.LastModified?.getTime() ?? 0);
    return newest;
  }

  /** The parts of an upload, a ListParts page at a time (at most 1000 parts each on S3). */
  private async *partPages(Key: string, UploadId: string): AsyncIterable<Part[]> {
    let PartNumberMarker: string | undefined;
    do {
      const page = await this.s3
        .send(new ListPartsCommand({ Bucket: this.bucket, Key, UploadId, PartNumberMarker }))
        .catch((err: unknown) => {
          if (s3ErrorName(err) === 'NoSuchUpload') throw new BlobNotFoundError(Key);
          throw fromS3Error(err, Key);
        });
      yield page.Parts ?? [];
      PartNumberMarker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (PartNumberMarker !== undefined);
  }
}
