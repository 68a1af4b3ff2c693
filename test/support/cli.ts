import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'tasks.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `tasks` process (node bin/tasks.js …) with its output so far. */
export interface CliProcess {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliResult>;
}

/**
 * Starts the CLI as a child process. Its environment is only PATH plus `env`, so a developer's
 * TASKS_URL or TASKS_API_KEY never leaks into a test; stdin is closed and nothing is a TTY.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): CliProcess {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  proc.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  const stdout = () => Buffer.concat(out).toString();
  const stderr = () => Buffer.concat(err).toString();
  const done = new Promise<CliResult>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code, signal) =>
      resolve({ code, signal, stdout: stdout(), stderr: stderr() }),
    );
  });
  return { proc, stdout, stderr, done };
}

/** Runs the CLI to its end; resolves with its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CliResult> {
  return spawnCli(args, env, cwd).done;
}
