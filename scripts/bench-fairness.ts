// npm run bench:fairness [-- --noisy-bytes 1GB --noisy-images 200 --quiet-interval-ms 100 --workers 2 --concurrency 1]
// One run, real api + 2 workers: (1) a quiet client's small jobs alone, (2) the same while a noisy client
// has a 1 GB even-sum and 200 images in flight, fair scheduling on, (3) the same with FAIR_SCHEDULING=false.
// Prints R = quiet p95 under contention / quiet p95 alone, and the noisy client's total time.
import { Readable } from 'node:stream';
import { generateNumbers } from '../libs/tasks/src/even-sum/number-generator';
import { parseSize } from '../libs/tasks/src/even-sum/parse-size';
import { http, waitForTask } from '../test/support/http';
import { Stack } from '../test/support/stack';
import { upload } from '../test/support/upload';
import { arg, machineLine, percentile } from './bench/bench-util';
import { samplePng } from './bench/sample-image';

const QUIET = { authorization: 'Bearer quiet-key-0001' };
const NOISY = { authorization: 'Bearer noisy-key-0002' };
type Kind = 'randomize' | 'even-sum';

interface Job {
  kind: Kind;
  token: string;
  headers: Record<string, string>;
}

async function submitImage(stack: Stack, png: Buffer, headers: Record<string, string>): Promise<Job> {
  const { body } = await http<{ token: string }>(`${stack.url}/randomize`, { method: 'POST', headers: { 'content-type': 'image/png', ...headers }, body: png });
  return { kind: 'randomize', token: body.token, headers };
}

async function submitNumbers(stack: Stack, text: Buffer | Readable, headers: Record<string, string>): Promise<Job> {
  const stream = Buffer.isBuffer(text) ? Readable.from([text]) : text;
  const reply = await upload(`${stack.url}/even-sum`, stream, { headers });
  if (reply.status !== 201) throw new Error(`even-sum submit: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { kind: 'even-sum', token: reply.body.token as string, headers };
}

/** Waits for a job and returns its status (with server-measured leadTimeMs, requestedAt, finishedAt). */
async function finish(stack: Stack, job: Job): Promise<Record<string, unknown>> {
  const status = await waitForTask(stack.url, job.kind, job.token, 600_000, job.headers);
  if (status.status !== 'finished') throw new Error(`${job.kind} ${job.token}: ${String(status.error)}`);
  return status;
}

/** The quiet client: 10 images and 10 files of 1 MB, one every `intervalMs`, alternating; lead times in ms. */
async function quietClient(stack: Stack, png: Buffer, numbers: Buffer, intervalMs: number): Promise<number[]> {
  const pending: Promise<Record<string, unknown>>[] = [];
  for (let i = 0; i < 20; i++) {
    const job = i % 2 === 0 ? await submitImage(stack, png, QUIET) : await submitNumbers(stack, numbers, QUIET);
    pending.push(finish(stack, job));
    await new Promise((r) => setTimeout(r, intervalMs)); // the client's pace, not synchronisation
  }
  const statuses = await Promise.all(pending);
  if (process.env.BENCH_VERBOSE) console.error(statuses.map((s, i) => `${i % 2 ? 'sum' : 'img'} lead ${s.leadTimeMs} wait ${s.queueWaitMs} exec ${s.executionMs}`).join('\n'));
  return statuses.map((s) => s.leadTimeMs as number);
}

interface Round {
  quiet: number[];
  noisyTotalMs?: number;
  noisyBusyDuringQuiet?: boolean;
}

async function round(fair: boolean, withNoisy: boolean, opts: { png: Buffer; numbers: Buffer; noisyBytes: number; noisyImages: number; intervalMs: number; workers: number; concurrency: number }): Promise<Round> {
  const stack = await Stack.start({
    workers: 0,
    env: { API_KEYS: 'quiet:quiet-key-0001,noisy:noisy-key-0002', FAIR_SCHEDULING: String(fair), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000' },
  });
  // As many CPU permits in all as the machine has cores (default: 2 workers × 1 slot).
  const startWorkers = async () => {
    for (let i = 0; i < opts.workers; i++) await stack.startWorker({ WORKER_CONCURRENCY: String(opts.concurrency) });
  };
  try {
    if (!withNoisy) {
      await startWorkers();
      return { quiet: await quietClient(stack, opts.png, opts.numbers, opts.intervalMs) };
    }
    // The noisy client's whole load is queued first (images from 8 connections, then the big file
    // streamed), so the quiet client meets all of it in flight; the upload's own CPU cost on the api
    // does not overlap the quiet client's measurements.
    const images = (
      await Promise.all(
        Array.from({ length: 8 }, async (_, c) => {
          const mine: Job[] = [];
          for (let i = c; i < opts.noisyImages; i += 8) mine.push(await submitImage(stack, opts.png, NOISY));
          return mine;
        }),
      )
    ).flat();
    const big = await submitNumbers(stack, generateNumbers({ bytes: opts.noisyBytes, seed: 42 }).stream, NOISY);
    await startWorkers();
    // One poller for the noisy client's 200+ tasks: polling them all at once would load the api and
    // the cores more than the work itself.
    const noisyDone = (async () => {
      const statuses: Record<string, unknown>[] = [];
      for (const job of [...images, big]) statuses.push(await finish(stack, job));
      return statuses;
    })();
    const quiet = await quietClient(stack, opts.png, opts.numbers, opts.intervalMs);
    const quietEnded = Date.now();
    const statuses = await noisyDone;
    const start = Math.min(...statuses.map((s) => Date.parse(s.startedAt as string)));
    const end = Math.max(...statuses.map((s) => Date.parse(s.finishedAt as string)));
    return { quiet, noisyTotalMs: end - start, noisyBusyDuringQuiet: end >= quietEnded };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const opts = {
    png: await samplePng(),
    numbers: await readAll(generateNumbers({ bytes: 1_000_000, seed: 7 }).stream),
    noisyBytes: parseSize(arg('noisy-bytes', '1GB')),
    noisyImages: Number(arg('noisy-images', '200')),
    intervalMs: Number(arg('quiet-interval-ms', '100')),
    workers: Number(arg('workers', '2')),
    concurrency: Number(arg('concurrency', '1')),
  };
  const alone = await round(true, false, opts);
  const fair = await round(true, true, opts);
  const fifo = await round(false, true, opts);
  const p = (xs: number[], q: number) => percentile(xs, q);
  const r = (x: Round) => p(x.quiet, 95) / p(alone.quiet, 95);
  console.log(machineLine());
  console.log(`quiet: 10 images (${(opts.png.length / 1024).toFixed(0)} KiB) + 10 even-sum of 1 MB, one every ${opts.intervalMs} ms; noisy: ${opts.noisyImages} images + ${opts.noisyBytes / 1e9} GB even-sum; ${opts.workers} workers × ${opts.concurrency} slot(s)`);
  console.log('| round | quiet p50 (ms) | quiet p95 (ms) | R (p95 / alone p95) | noisy processing, first start → last finish (s) | noisy still busy when quiet ended |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(`| alone | ${p(alone.quiet, 50)} | ${p(alone.quiet, 95)} | 1.00 | | |`);
  for (const [name, x] of [['fair', fair], ['FIFO', fifo]] as const) {
    console.log(`| ${name} | ${p(x.quiet, 50)} | ${p(x.quiet, 95)} | ${r(x).toFixed(2)} | ${((x.noisyTotalMs ?? 0) / 1000).toFixed(1)} | ${x.noisyBusyDuringQuiet ? 'yes' : 'no'} |`);
  }
  const ratio = (fair.noisyTotalMs ?? 0) / (fifo.noisyTotalMs ?? 1);
  console.log(`targets: R(fair) ≤ 1.5 → ${r(fair) <= 1.5 ? 'MET' : 'NOT MET'}; noisy total fair/FIFO = ${ratio.toFixed(2)} (≤ 1.10 → ${ratio <= 1.1 ? 'MET' : 'NOT MET'})`);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
