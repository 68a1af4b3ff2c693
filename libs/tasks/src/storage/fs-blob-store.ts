import { createReadStream, existsSync } from 'node:fs';
import {
  FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { isTaskToken } from '../contract';
import {
  assertBlobKey,
  assertBlobPrefix,
  BlobNotFoundError,
  BlobRead,
  BlobStore,
  PutOptions,
  StorageUnavailableError,
} from './blob-store';
import { writeBatched } from './batched-file-writer';

const STORAGE_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EIO']);

/** BlobStore on a directory (DATA_DIR) shared by the api and the workers. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    assertBlobKey(key);
    return join(this.dir, key);
  }

  readonly readableWhileWriting = true;

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<number> {
    const target = this.path(key);
    // Written under a temporary name and renamed: a reader never sees a half-written blob,
    // and an aborted upload leaves only a temp file that we remove here. A blob readable while
    // it is written (a pipelined even-sum input) has a temp name known to readRange, which reads
    // it until the rename: its readers read only the ranges onWritten reported.
    const temp = options.readableWhileWriting
      ? growingPath(target)
      : `${target}.${randomBytes(4).toString('hex')}.part`;
    let handle: FileHandle | undefined;
    try {
      await mkdir(join(target, '..'), { recursive: true });
      handle = await open(temp, 'wx');
      const bytes = await writeBatched(body, handle, options);
      await handle.close();
      handle = undefined;
      if (temp !== target) await rename(temp, target);
      return bytes;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      // The task's directory goes too when this was its only blob (rmdir refuses a non-empty one).
      await rmdir(join(target, '..')).catch(() => undefined);
      throw mapStorageError(err);
    }
  }

  async putBuffer(key: string, body: Buffer): Promise<void> {
    await this.put(key, Readable.from([body]));
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      throw mapNotFound(err, key);
    }
  }

  async openRead(key: string): Promise<BlobRead> {
    // Opened first, then measured: the size is that of the file this stream reads, even if the
    // key is replaced meanwhile (put renames a new file over it).
    const handle = await open(this.path(key), 'r').catch((err: unknown) => {
      throw mapNotFound(err, key);
    });
    try {
      const { size } = await handle.stat();
      return { size, body: handle.createReadStream({ highWaterMark: 64 * 1024 }) };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  readRange(key: string, start: number, endExclusive: number): Readable {
    if (endExclusive <= start) return Readable.from([]);
    const target = this.path(key);
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    // A blob still being written (put with readableWhileWriting) is read under its temp name;
    // tried after the key (renamed meanwhile? then the key again). An open file stays readable
    // through the rename.
    const paths = [target, growingPath(target), target];
    const attempt = (at: number): void => {
      const source = createReadStream(paths[at], {
        start,
        end: endExclusive - 1,
        highWaterMark: 1024 * 1024,
      });
      // ENOENT becomes BlobNotFoundError (one error type for both backends); a consumer that
      // stops early (the scanner past a chunk's end) closes the file too.
      source.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' && !source.bytesRead && at + 1 < paths.length) {
          source.unpipe(out);
          return attempt(at + 1);
        }
        out.destroy(mapNotFound(err, key) as Error);
      });
      out.once('close', () => source.destroy());
      source.pipe(out);
    };
    attempt(0);
    return out;
  }

  localPath(key: string): string | undefined {
    // A pipelined input is still under its temp name until its upload ends: undefined sends its
    // early chunks through readRange, which reads the growing file. Once renamed, it stays whole.
    const path = this.path(key);
    return existsSync(path) ? path : undefined;
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.path(key))).size;
    } catch (err) {
      throw mapNotFound(err, key);
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertBlobPrefix(prefix);
    await rm(join(this.dir, prefix), { recursive: true, force: true });
  }

  async *listTasks(): AsyncIterable<{ token: string; modifiedAt: number }> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || !isTaskToken(entry.name)) continue;
      const dir = join(this.dir, entry.name);
      const files = await readdir(dir).catch(() => [] as string[]);
      const times = await Promise.all(
        files.map((f) =>
          stat(join(dir, f)).then(
            (s) => s.mtimeMs,
            () => 0,
          ),
        ),
      );
      yield {
        token: entry.name,
        modifiedAt: Math.max((await stat(dir).catch(() => null))?.mtimeMs ?? 0, ...times),
      };
    }
  }

  async checkWritable(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const probe = join(this.dir, `.probe-${process.pid}`);
    try {
      await writeFile(probe, 'ok');
      await unlink(probe);
    } catch (err) {
      throw mapStorageError(err);
    }
  }
}

/** Where a blob readable while it is written lives until its put renames it to its key. */
function growingPath(target: string): string {
  return `${target}.growing.part`;
}

function mapNotFound(err: unknown, key: string): unknown {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT' ? new BlobNotFoundError(key) : err;
}

function mapStorageError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code && STORAGE_ERRNOS.has(code)
    ? new StorageUnavailableError(`storage unavailable (${code})`)
    : err;
}
