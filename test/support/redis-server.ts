import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pings } from '../../scripts/redis-ensure';
import { pollUntil } from './poll';

export interface RedisServerOptions {
  /**
   * AOF fsync policy (redis' default `everysec`): with `always`, every acknowledged write is on
   * disk, so a SIGKILL loses nothing acknowledged; with `everysec` it may lose the last second of
   * writes, which is another fault (acknowledged data lost) than a restart.
   */
  appendfsync?: 'always' | 'everysec';
}

/**
 * A private redis-server for tests that stop and restart Redis (the shared test Redis is never
 * stopped): its own port and directory, append-only persistence as in docker-compose.
 */
export class RedisServer {
  private proc?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-redis-'));
    const server = new RedisServer(await freePort(), dir, options);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts (again) on the same port and directory: with the AOF, the data written before is back. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('redis-server is already running');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      this.options.appendfsync ?? 'everysec',
      '--save',
      '',
    ];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await pollUntil(
      async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
        return (await pings(this.url, 300)) ? true : undefined;
      },
      10_000,
      `redis-server on port ${this.port}`,
    );
  }

  /** Stops the server with `signal` (SIGTERM: a clean shutdown that flushes the AOF) and waits for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.proc!.kill(signal);
    await this.exited;
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
