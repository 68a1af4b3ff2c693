import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '@app/tasks/storage';
import { UPLOADS_DIR } from './s3rver-main';

/** s3rver's built-in account: it checks request signatures against these. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A real S3-protocol server (s3rver) in a child process on a free loopback port, storing in a temp directory, with one bucket. */
export class LocalS3 {
  readonly region = 'us-east-1';

  private constructor(
    private readonly proc: ChildProcess,
    readonly endpoint: string,
    readonly bucket: string,
    readonly directory: string,
  ) {}

  static async start(bucket = 'tasks-test'): Promise<LocalS3> {
    const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
    const proc = spawn(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '--require',
        'tsx/cjs',
        join(__dirname, 's3rver-main.ts'),
        directory,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`s3rver did not start in 15 s:\n${output}`)),
        15_000,
      );
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const line = /^\{"port":(\d+)\}$/m.exec(output);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      };
      proc.stdout!.on('data', collect);
      proc.stderr!.on('data', collect);
      proc.once('exit', (code) => reject(new Error(`s3rver exited with ${code}:\n${output}`)));
    }).catch((err: unknown) => {
      proc.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
      throw err;
    });
    const s3 = new LocalS3(proc, `http://127.0.0.1:${port}`, bucket, directory);
    const client = s3.client();
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    return s3;
  }

  /** A client with the server's credentials in its config (the environment is not read). */
  client(): S3Client {
    return createS3Client(
      { region: this.region, endpoint: this.endpoint, forcePathStyle: true },
      { credentials: LOCAL_S3_CREDENTIALS },
    );
  }

  /** Environment for the api and workers: the credentials reach them through the standard AWS chain. */
  env(): Record<string, string> {
    return {
      STORAGE: 's3',
      S3_BUCKET: this.bucket,
      S3_ENDPOINT: this.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_REGION: this.region,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    };
  }

  /** Keys of the multipart uploads the server still holds (neither completed nor aborted). */
  async pendingUploads(): Promise<string[]> {
    return (await this.uploads()).map((u) => u.key);
  }

  /** Moves the start of `key`'s upload (and with `parts`, its parts) `ms` into the past, as if it had waited that long. */
  async backdateUpload(key: string, ms: number, { parts }: { parts: boolean }): Promise<void> {
    const upload = (await this.uploads()).find((u) => u.key === key);
    if (!upload) throw new Error(`no multipart upload of ${key}`);
    const when = new Date(Date.now() - ms);
    const files = (await readdir(upload.dir)).filter(
      (f) => f === 'key' || (parts && /^\d+$/.test(f)),
    );
    await Promise.all(files.map((f) => utimes(join(upload.dir, f), when, when)));
  }

  private async uploads(): Promise<{ key: string; dir: string }[]> {
    const root = join(this.directory, this.bucket, UPLOADS_DIR);
    const ids = await readdir(root).catch(() => [] as string[]);
    return Promise.all(
      ids.map(async (id) => ({
        key: await readFile(join(root, id, 'key'), 'utf8'),
        dir: join(root, id),
      })),
    );
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}
