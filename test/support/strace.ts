import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './poll';

/** True when strace is installed and may attach to processes here (root, or ptrace allowed). */
export function canTrace(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `fn` while strace records every file-related syscall (open, stat, mkdir, unlink, …) of
 * process `pid` and all its threads (libuv's pool does the fs work); resolves with the traced lines.
 */
export async function traceFileAccess(pid: number, fn: () => Promise<void>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tasks-strace-'));
  const out = join(dir, 'trace');
  const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=%file', '-o', out, '-p', String(pid)], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => tracer.once('exit', () => resolve()));
  try {
    await pollUntil(
      async () => {
        if (tracer.exitCode !== null) throw new Error(`strace exited with ${tracer.exitCode}`);
        return everyThreadTraced(pid) ? true : undefined;
      },
      10_000,
      'strace to attach to every thread',
    );
    await fn();
  } finally {
    tracer.kill('SIGINT');
    await exited;
  }
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  return lines;
}

/** Every thread of `pid` shows a tracer in /proc (TracerPid != 0). */
function everyThreadTraced(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) =>
    /^TracerPid:\s*[1-9]/m.test(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')),
  );
}
