import { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { blobStoreContract } from './support/blob-store.contract';
import { BlobNotFoundError, S3BlobStore } from '@app/tasks/storage';
import { newTaskToken } from '@app/tasks/contract';
import { LocalS3 } from './support/s3-server';

const MiB = 1024 * 1024;

describe(`${S3BlobStore.name} against a local S3 server`, () => {
  let s3: LocalS3;
  const clients: S3Client[] = [];

  beforeAll(async () => {
    s3 = await LocalS3.start();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await s3?.stop();
  });

  /** A store on the shared bucket; pages of 2 keys so listings really page. */
  const makeStore = () => {
    const client = s3.client();
    clients.push(client);
    return new S3BlobStore(client, {
      bucket: s3.bucket,
      partBytes: 5 * MiB,
      queueSize: 2,
      pageSize: 2,
    });
  };

  blobStoreContract(S3BlobStore.name, async () => {
    const store = makeStore();
    return {
      store,
      leftovers: () => s3.pendingUploads(),
      // One bucket for all tests: each test starts from an empty one.
      cleanup: async () => {
        for await (const { token } of store.listTasks()) await store.deletePrefix(`${token}/`);
      },
    };
  });

  describe('direct (presigned) multipart uploads', () => {
    let sut: S3BlobStore;
    beforeEach(() => {
      sut = makeStore();
    });

    const putPart = async (url: string, body: Buffer) => {
      const res = await fetch(url, { method: 'PUT', body });
      expect(res.status).toBe(200);
      return res.headers.get('etag')!;
    };

    it('assembles parts PUT by a client to presigned URLs without credentials', async () => {
      const key = `${newTaskToken()}/input.txt`;
      const data = randomBytes(11 * MiB);
      const uploadId = await sut.createMultipartUpload(key);
      const parts = [
        data.subarray(0, 5 * MiB),
        data.subarray(5 * MiB, 10 * MiB),
        data.subarray(10 * MiB),
      ];
      const urls = await Promise.all(
        parts.map((part, i) => sut.presignPart(key, uploadId, i + 1, 600, part.length)),
      );
      expect(
        urls.every((u) => u.includes('X-Amz-Signature=') && !u.includes('x-amz-checksum')),
      ).toBe(true);
      const etags = await Promise.all(parts.map((part, i) => putPart(urls[i], part)));
      await sut.completeMultipartUpload(
        key,
        uploadId,
        etags.map((etag, i) => ({ partNumber: i + 1, etag })).reverse(),
      );
      expect(await sut.size(key)).toBe(data.length);
      expect((await sut.getBuffer(key)).equals(data)).toBe(true);
      expect(await s3.pendingUploads()).toEqual([]);
      await sut.deletePrefix(`${key.split('/')[0]}/`);
    });

    it('answers BlobNotFoundError when completing an upload that is gone', async () => {
      const key = `${newTaskToken()}/input.txt`;
      const uploadId = await sut.createMultipartUpload(key);
      await sut.abortMultipartUpload(key, uploadId);
      await sut.abortMultipartUpload(key, uploadId);
      await expect(
        sut.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: '"x"' }]),
      ).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('aborts only uploads that are old, unclaimed and without recent parts', async () => {
      const hour = 3_600_000;
      const [stale, claimed, slowStream, young] = [
        newTaskToken(),
        newTaskToken(),
        newTaskToken(),
        newTaskToken(),
      ];
      const key = (token: string) => `${token}/input.txt`;
      const ids = new Map<string, string>();
      for (const token of [stale, claimed, slowStream, young]) {
        const uploadId = await sut.createMultipartUpload(key(token));
        ids.set(token, uploadId);
        await putPart(await sut.presignPart(key(token), uploadId, 1, 600, 5), Buffer.from('2 4 6'));
      }
      await s3.backdateUpload(key(stale), 2 * hour, { parts: true });
      await s3.backdateUpload(key(claimed), 2 * hour, { parts: true });
      // Started two hours ago, but a part arrived just now: a slow streamed put still going.
      await s3.backdateUpload(key(slowStream), 2 * hour, { parts: false });

      expect(await sut.abortStaleUploads(hour, async (token) => token === claimed)).toBe(1);

      expect((await s3.pendingUploads()).sort()).toEqual(
        [claimed, slowStream, young].map(key).sort(),
      );
      for (const token of [claimed, slowStream, young])
        await sut.abortMultipartUpload(key(token), ids.get(token)!);
    });
  });
});
