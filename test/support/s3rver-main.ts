import { readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// Runs s3rver as a process of its own (started by LocalS3): its ListObjectsV2 continuation
// tokens are DES-encrypted, which Node 20's OpenSSL 3 offers only with --openssl-legacy-provider.
// Usage: node --openssl-legacy-provider --require tsx/cjs s3rver-main.ts <directory>
// Prints {"port": n} once listening; stops on SIGTERM.

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3ErrorClass = new (code: string, message: string) => Error;

/** Where s3rver keeps unfinished multipart uploads: `<bucket>/._S3rver_uploads/<uploadId>/{key,<n>,<n>.md5}`. */
export const UPLOADS_DIR = '._S3rver_uploads';

/**
 * s3rver 3 implements multipart create/upload/complete but answers ListMultipartUploads,
 * ListParts and AbortMultipartUpload with 501/405, and completing an unknown upload with 500.
 * These handlers serve the three from s3rver's own upload directory, in S3's XML shapes, and
 * answer NoSuchUpload as S3 does, so lib-storage's abort and the stale-upload sweep run over real
 * HTTP through the real SDK parsers. They check no signatures and never paginate.
 */
function multipartBookkeeping(root: string, S3Error: S3ErrorClass): Middleware {
  return async (ctx, next) => {
    const [, bucket = '', ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    const uploads = join(root, bucket, UPLOADS_DIR);
    if (ctx.method === 'GET' && !key && 'uploads' in ctx.query) {
      const ids = await readdir(uploads).catch(() => [] as string[]);
      const found = await Promise.all(
        ids.map(async (id) => ({
          id,
          key: await readFile(join(uploads, id, 'key'), 'utf8'),
          at: (await stat(join(uploads, id, 'key'))).mtime,
        })),
      );
      const Upload = found
        .sort((a, b) => a.key.localeCompare(b.key) || a.id.localeCompare(b.id))
        .map((u) => ({
          Key: u.key,
          UploadId: u.id,
          Initiated: u.at.toISOString(),
          StorageClass: 'STANDARD',
        }));
      ctx.body = {
        ListMultipartUploadsResult: {
          Bucket: bucket,
          KeyMarker: '',
          UploadIdMarker: '',
          MaxUploads: 1000,
          IsTruncated: false,
          Upload,
        },
      };
      return;
    }
    if (!key || !uploadId || !['GET', 'DELETE', 'POST'].includes(ctx.method)) return next();
    const dir = join(uploads, uploadId);
    const owner = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
    if (owner !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    // CompleteMultipartUpload of a known upload is s3rver's own.
    if (ctx.method === 'POST') return next();
    if (ctx.method === 'DELETE') {
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    const numbers = (await readdir(dir))
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
    const Part = await Promise.all(
      numbers.map(async (n) => {
        const [info, md5] = await Promise.all([
          stat(join(dir, String(n))),
          readFile(join(dir, `${n}.md5`), 'utf8'),
        ]);
        return {
          PartNumber: n,
          LastModified: info.mtime.toISOString(),
          ETag: `"${md5}"`,
          Size: info.size,
        };
      }),
    );
    ctx.body = {
      ListPartsResult: {
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumberMarker: 0,
        MaxParts: 1000,
        IsTruncated: false,
        Part,
      },
    };
  };
}

async function main(directory: string): Promise<void> {
  // s3rver ships no types; it is a plain CommonJS Koa app (loaded here only, not by importers of UPLOADS_DIR).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;
  const S3Error = require('s3rver/lib/models/error') as S3ErrorClass;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  // Ahead of s3rver's router, its last middleware.
  server.middleware.splice(
    server.middleware.length - 1,
    0,
    multipartBookkeeping(directory, S3Error),
  );
  const { port } = await server.run();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.once('SIGTERM', () => void server.close().finally(() => process.exit(0)));
}

if (require.main === module) {
  main(process.argv[2]).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
