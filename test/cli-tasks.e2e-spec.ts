import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, spawnCli } from './support/cli';
import { http } from './support/http';
import { pollUntil } from './support/poll';
import { randomPng } from './support/images';
import { Stack } from './support/stack';

const API_KEY = 'cli-tasks-key-0123';
const TOKEN = /^[0-9a-f]{32}$/;

/** `tasks cancel` and `tasks list` against the real api (no worker: tasks stay queued). */
describe('tasks CLI: cancel and list (real api + Redis)', () => {
  let stack: Stack;
  let dir: string;
  const tasks = (...args: string[]) =>
    runCli(args, { TASKS_URL: stack.url, TASKS_API_KEY: API_KEY }, dir);

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0, env: { API_KEYS: `cli-tasks:${API_KEY}` } });
    dir = mkdtempSync(join(tmpdir(), 'tasks-cli-tasks-'));
    writeFileSync(join(dir, 'cat.png'), await randomPng(64, 64));
    writeFileSync(join(dir, 'numbers.txt'), '1 2 3 4\n');
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the tasks submitted, cancels one, and lists it as cancelled', async () => {
    const image = await tasks('randomize', 'cat.png', '--no-wait');
    expect(image.code).toBe(0);
    const imageToken = image.stdout.trim();
    expect(imageToken).toMatch(TOKEN);
    const numbers = await tasks('even-sum', 'numbers.txt', '--no-wait');
    expect(numbers.code).toBe(0);
    const numbersToken = numbers.stdout
      .trim()
      .split(/\s+/)
      .find((w) => TOKEN.test(w))!;
    expect(numbersToken).toMatch(TOKEN);

    const listed = await tasks('list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    // Newest first: the even-sum was submitted last.
    expect(lines[0]).toMatch(new RegExp(`^${numbersToken}\\s+even-sum\\s+requested\\s`));
    expect(lines[1]).toMatch(new RegExp(`^${imageToken}\\s+randomize\\s+requested\\s`));

    const cancelled = await tasks('cancel', imageToken);
    expect(cancelled).toMatchObject({ code: 0, stdout: `cancelled ${imageToken}\n` });
    const again = await tasks('--json', 'cancel', imageToken);
    expect(JSON.parse(again.stdout)).toEqual({
      task: 'randomize',
      token: imageToken,
      status: 'cancelled',
    });
    const status = await tasks('--json', 'status', imageToken);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'cancelled' });

    const onlyCancelled = await tasks('--json', 'list', '--status', 'cancelled');
    expect(JSON.parse(onlyCancelled.stdout)).toEqual({
      tasks: [expect.objectContaining({ token: imageToken, kind: 'randomize' })],
      nextCursor: null,
    });
    const onePage = await tasks('list', '--limit', '1');
    expect(onePage.stdout.trim().split('\n')).toHaveLength(1);
    const cursor = /more: tasks list --cursor (\S+)/.exec(onePage.stderr)?.[1];
    expect(cursor).toBeDefined();
    const next = await tasks('list', '--limit', '1', '--cursor', cursor!);
    expect(next.stdout).toMatch(new RegExp(`^${imageToken}\\s`));
    expect(next.stderr).not.toMatch(/more:/);
  });

  it('cancels the task it waits for on Ctrl-C with --cancel-on-interrupt', async () => {
    const cli = spawnCli(
      ['--cancel-on-interrupt', 'randomize', 'cat.png'],
      { TASKS_URL: stack.url, TASKS_API_KEY: API_KEY },
      dir,
    );
    const token = await pollUntil(
      async () => /submitted ([0-9a-f]{32}), waiting/.exec(cli.stderr())?.[1],
      30_000,
      'the CLI to wait',
    );
    cli.proc.kill('SIGINT');
    const done = await cli.done;
    expect(done.code).toBe(130);
    expect(done.stderr).toMatch(new RegExp(`interrupted: task ${token} cancelled`));
    const status = await http(`${stack.url}/randomize/${token}/status`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(status.body).toMatchObject({ status: 'cancelled' });
  });

  it('fails with the server’s message for an unknown token and a bad parameter', async () => {
    const unknown = await tasks('cancel', 'f'.repeat(32));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/task not found \(HTTP 404\)/);
    const badLimit = await tasks('list', '--limit', '0');
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toMatch(/limit must be an integer between 1 and 100 \(HTTP 400\)/);
    const badKind = await tasks('list', '--kind', 'resize');
    expect(badKind.code).toBe(2);
  });
});
