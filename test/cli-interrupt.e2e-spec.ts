import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { spawnCli } from './support/cli';
import { http } from './support/http';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';

const BIN = join(__dirname, '..', 'bin', 'tasks.js');
const TOKEN = /[0-9a-f]{32}/;

// Ctrl-C while the CLI waits for a task: on a terminal it asks whether to cancel the task; in a
// script (no terminal) it leaves the task running, as before. The terminal is a real
// pseudo-terminal (util-linux `script`), Ctrl-C the byte 0x03 typed into it: the terminal's line
// discipline turns it into SIGINT. No worker runs, so the task waits for as long as the test needs.
describe('tasks CLI: Ctrl-C while waiting (real api + Redis, a pseudo-terminal)', () => {
  let stack: Stack;
  let dir: string;
  let numbers: string;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-interrupt-'));
    numbers = join(dir, 'numbers.txt');
    await pipeline(
      generateNumbers({ bytes: 64 * 1024, seed: 4, maxDigits: 10 }).stream,
      createWriteStream(numbers),
    );
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const statusOf = async (token: string) =>
    (await http(`${stack.url}/even-sum/${token}/status`)).body.status;

  /** Waits until the CLI holds the task's event stream (its wait has begun). */
  const waiting = (token: string) =>
    pollUntil(
      async () => {
        const redis = stack.redis();
        try {
          const [, n] = (await redis.call(
            'PUBSUB',
            'NUMSUB',
            `${stack.prefix}:task:${token}:events`,
          )) as [string, number];
          return Number(n) >= 1 ? true : undefined;
        } finally {
          redis.disconnect();
        }
      },
      30_000,
      'the CLI to wait on the event stream',
    );

  /** `tasks even-sum numbers.txt` on a pseudo-terminal: what it shows, what is typed, how it ends. */
  function onTerminal(args: string[]) {
    const command = ['exec', process.execPath, BIN, ...args].map(shellQuote).join(' ');
    const proc = spawn('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'dumb', TASKS_URL: stack.url },
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    proc.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('close', resolve));
    return { screen: () => screen, type: (text: string) => proc.stdin.write(text), exited, proc };
  }

  async function submittedOn(cli: { screen(): string }): Promise<string> {
    const token = await pollUntil(
      async () => /submitted ([0-9a-f]{32})/.exec(cli.screen())?.[1],
      30_000,
      'the CLI to upload',
    );
    await waiting(token);
    return token;
  }

  it('asks on a terminal; y cancels the task on the server and exits 130', async () => {
    const cli = onTerminal(['even-sum', 'numbers.txt']);
    try {
      const token = await submittedOn(cli);
      cli.type('\x03');
      await pollUntil(
        async () => (cli.screen().includes(`cancel task ${token}? [y/N]`) ? true : undefined),
        10_000,
        'the question',
      );
      cli.type('y\r');
      expect(await cli.exited).toBe(130);
      expect(cli.screen()).toContain(`interrupted: task ${token} cancelled`);
      expect(await statusOf(token)).toBe('cancelled');
    } finally {
      cli.proc.kill('SIGKILL');
    }
  });

  it('on a terminal, any other answer leaves the task running and says how to follow it', async () => {
    const cli = onTerminal(['even-sum', 'numbers.txt']);
    try {
      const token = await submittedOn(cli);
      cli.type('\x03');
      await pollUntil(
        async () => (cli.screen().includes(`cancel task ${token}? [y/N]`) ? true : undefined),
        10_000,
        'the question',
      );
      cli.type('\r');
      expect(await cli.exited).toBe(130);
      expect(cli.screen()).toContain(
        `interrupted: task ${token} goes on; follow it with: tasks result ${token}`,
      );
      expect(await statusOf(token)).toBe('requested');
    } finally {
      cli.proc.kill('SIGKILL');
    }
  });

  it('on a terminal with --cancel-on-interrupt, cancels without asking', async () => {
    const cli = onTerminal(['--cancel-on-interrupt', 'even-sum', 'numbers.txt']);
    try {
      const token = await submittedOn(cli);
      cli.type('\x03');
      expect(await cli.exited).toBe(130);
      expect(cli.screen()).not.toContain('[y/N]');
      expect(await statusOf(token)).toBe('cancelled');
    } finally {
      cli.proc.kill('SIGKILL');
    }
  });

  it('without a terminal, does not ask: the task goes on', async () => {
    const cli = spawnCli(['even-sum', numbers], { TASKS_URL: stack.url });
    const token = await pollUntil(
      async () => TOKEN.exec(cli.stderr())?.[0],
      30_000,
      'the CLI to upload',
    );
    await waiting(token);
    cli.proc.kill('SIGINT');
    const done = await cli.done;
    expect(done.code).toBe(130);
    expect(done.stderr).not.toContain('[y/N]');
    expect(done.stderr).toContain(`stopped waiting; the task goes on: tasks status ${token}`);
    expect(await statusOf(token)).toBe('requested');
  });
});

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
