/**
 * A run of digits through the real service: npm run bench:long-tokens -- [--size 6MB] [--pairs 11]
 * [--before tmp/dist-before]
 *
 * Issue 12 item 5: a file that is one number of millions of digits must cost within 3× a normal
 * file of the same size, end to end. Starts the api and one worker from dist/ (and, with --before,
 * a second stack from an older build, for an A/B in the same session), then sends a generated
 * normal file and a run of digits alternately with a PUT (as `curl -T` does), --pairs times per
 * stack, and reads each task's `executionMs` and `leadTimeMs` from its status. Every result is
 * checked digit for digit. Prints min / median / max of each figure, the ratio of the medians
 * and the spread of the per-pair ratios, with the load average before and after.
 */
import { createReadStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';
import { http, waitForTask } from '../test/support/http';
import { Stack } from '../test/support/stack';
import { upload } from '../test/support/upload';
import { arg, machineLine } from './bench/bench-util';
import { digitRun } from './bench/long-token-data';

interface Dataset {
  label: string;
  file: string;
  bytes: number;
  expected: { sum: string; evenCount: number; count: number };
}

interface Figures {
  executionMs: number;
  leadTimeMs: number;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function spread(values: number[], digits = 0): string {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[0], median(sorted), sorted[sorted.length - 1]]
    .map((v) => v.toFixed(digits))
    .join(' / ');
}

/** Sends the file, waits for its task to end, checks the result; the task's figures. */
async function runOnce(stack: Stack, data: Dataset): Promise<Figures> {
  const reply = await upload(`${stack.url}/even-sum`, createReadStream(data.file), {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': data.bytes },
  });
  if (reply.status !== 201)
    throw new Error(`upload: ${reply.status} ${JSON.stringify(reply.body)}`);
  const token = reply.body.token as string;
  const status = await waitForTask(stack.url, 'even-sum', token, 120_000);
  if (status.status !== 'finished') throw new Error(`${data.label}: ${JSON.stringify(status)}`);
  const result = await http(`${stack.url}/even-sum/${token}/result`);
  const { sum, evenCount, count } = result.body;
  if (
    sum !== data.expected.sum ||
    evenCount !== data.expected.evenCount ||
    count !== data.expected.count
  ) {
    throw new Error(`${data.label}: WRONG RESULT (sum of ${String(sum).length} characters)`);
  }
  return { executionMs: status.executionMs as number, leadTimeMs: status.leadTimeMs as number };
}

async function main(): Promise<void> {
  const bytes = parseSize(arg('size', '6MB'));
  const pairs = Math.max(1, Number(arg('pairs', '11')));
  const before = process.argv.includes('--before') ? resolve(arg('before', '')) : undefined;
  const dir = join(__dirname, '..', 'tmp');
  mkdirSync(dir, { recursive: true });

  const normalFile = join(dir, `lt-normal-${bytes}.txt`);
  const gen = generateNumbers({ bytes, seed: 1 });
  const parts: Buffer[] = [];
  for await (const part of gen.stream) parts.push(part as Buffer);
  writeFileSync(normalFile, Buffer.concat(parts));
  const digitsFile = join(dir, `lt-digits-${bytes}.txt`);
  const run = digitRun(bytes, 3);
  writeFileSync(digitsFile, run);
  const datasets: Dataset[] = [
    { label: 'normal', file: normalFile, bytes, expected: await gen.expected },
    {
      label: 'run of digits',
      file: digitsFile,
      bytes,
      expected: { sum: run.toString('latin1', 0, bytes - 1), evenCount: 1, count: 1 },
    },
  ];

  const builds: [string, string | undefined][] = before
    ? [
        ['before', before],
        ['after', undefined],
      ]
    : [['this build', undefined]];
  const env = { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000' };
  const stacks = new Map<string, Stack>();
  const figures = new Map<string, Figures[][]>(); // build → [normal[], digits[]]
  try {
    for (const [name, dist] of builds) {
      stacks.set(name, await Stack.start({ dist, env }));
      figures.set(name, [[], []]);
    }
    console.log(machineLine());
    console.log(`# ${bytes / 1e6} MB each, ${pairs} pairs per build; load average ${load()}`);
    // One pair each first, not counted: thread start-up, compilation.
    for (const stack of stacks.values()) for (const d of datasets) await runOnce(stack, d);
    for (let k = 0; k < pairs; k++) {
      // Alternate which build and which file goes first, so neither always follows the other.
      const order = k % 2 === 0 ? builds : [...builds].reverse();
      for (const [name] of order) {
        const stack = stacks.get(name)!;
        const both = figures.get(name)!;
        const first = (k >> 1) % 2;
        for (const i of [first, 1 - first]) both[i].push(await runOnce(stack, datasets[i]));
      }
      process.stderr.write(`pair ${k + 1}/${pairs}, load ${load()}\n`);
    }
  } finally {
    for (const stack of stacks.values()) await stack.stop();
    if (!process.argv.includes('--keep')) {
      rmSync(normalFile, { force: true });
      rmSync(digitsFile, { force: true });
    }
  }

  console.log(`# load average after: ${load()}\n`);
  console.log(
    '| build | figure | normal: min / median / max | run of digits: min / median / max | ratio of medians | per-pair ratio: min / median / max |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [name] of builds) {
    const [normal, digits] = figures.get(name)!;
    for (const key of ['executionMs', 'leadTimeMs'] as const) {
      const n = normal.map((f) => f[key]);
      const d = digits.map((f) => f[key]);
      const ratio = median(d) / median(n);
      const perPair = d.map((v, i) => v / Math.max(1, n[i]));
      console.log(
        `| ${name} | \`${key}\` | ${spread(n)} | ${spread(d)} | ${ratio.toFixed(2)}× | ${spread(perPair, 2)} |`,
      );
    }
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
