import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './poll';

/**
 * Whether strace may attach to a process here, tried on a sibling, as the api is to the tracer
 * (both children of the test). What can stop it: strace not installed, Yama's ptrace_scope (1 on
 * Ubuntu, Travis included: a normal user may trace only its own descendants), seccomp in a
 * container. Resolves with why not, or undefined when it can.
 */
export async function whyStraceCannotAttach(): Promise<string | undefined> {
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0)
    return 'strace is not installed';
  const target = spawn('sleep', ['60'], { stdio: 'ignore' });
  const tracer = spawn('strace', ['-qq', '-e', 'trace=none', '-p', String(target.pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  tracer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    const attached = await pollUntil(
      async () => {
        if (tracer.exitCode !== null) return false;
        return everyThreadTraced(target.pid!) ? true : undefined;
      },
      10_000,
      'strace to attach to a sibling process',
    ).catch((err: Error) => err.message);
    if (attached === true) return undefined;
    return stderr.trim().split('\n').pop() || String(attached);
  } finally {
    tracer.kill('SIGINT');
    target.kill('SIGKILL');
    await Promise.all([ended(tracer), ended(target)]);
  }
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
  // The trace's directory goes whatever happens (strace failing to attach, fn throwing).
  try {
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
    return readFileSync(out, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every thread of `pid` shows a tracer in /proc (TracerPid != 0). */
function everyThreadTraced(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) =>
    /^TracerPid:\s*[1-9]/m.test(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')),
  );
}
