// npm run bench:fairness [-- --noisy-bytes 1GB --noisy-images 200 --quiet-interval-ms 100 --workers 2
//   --concurrency 1 --express-worker true --repeat 3]
// Real api + 2 workers + the express worker (as docker-compose runs them): (1) a quiet client's small
// jobs alone, (2) the same while a noisy client has a 1 GB even-sum and 200 images in flight, fair
// scheduling on, (3) the same with FAIR_SCHEDULING=false. Prints R = quiet p95 under contention / quiet
// p95 alone, and the noisy client's total time; the three rounds are repeated (a p95 of 20 lead times
// on a shared 2-core machine is noisy) and the targets are judged on the median.
import { Readable } from 'node:stream';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';
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

async function submitImage(
  stack: Stack,
  png: Buffer,
  headers: Record<string, string>,
): Promise<Job> {
  const { body } = await http<{ token: string }>(`${stack.url}/randomize`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', ...headers },
    body: png,
  });
  return { kind: 'randomize', token: body.token, headers };
}

async function submitNumbers(
  stack: Stack,
  text: Buffer | Readable,
  headers: Record<string, string>,
): Promise<Job> {
  const stream = Buffer.isBuffer(text) ? Readable.from([text]) : text;
  const reply = await upload(`${stack.url}/even-sum`, stream, { headers });
  if (reply.status !== 201)
    throw new Error(`even-sum submit: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { kind: 'even-sum', token: reply.body.token as string, headers };
}

/** Waits for a job and returns its status (with server-measured leadTimeMs, requestedAt, finishedAt). */
async function finish(stack: Stack, job: Job): Promise<Record<string, unknown>> {
  const status = await waitForTask(stack.url, job.kind, job.token, 600_000, job.headers);
  if (status.status !== 'finished')
    throw new Error(`${job.kind} ${job.token}: ${String(status.error)}`);
  return status;
}

/** The quiet client: 10 images and 10 files of 1 MB, one every `intervalMs`, alternating; lead times in ms. */
async function quietClient(
  stack: Stack,
  png: Buffer,
  numbers: Buffer,
  intervalMs: number,
): Promise<number[]> {
  const pending: Promise<Record<string, unknown>>[] = [];
  for (let i = 0; i < 20; i++) {
    const job =
      i % 2 === 0
        ? await submitImage(stack, png, QUIET)
        : await submitNumbers(stack, numbers, QUIET);
    pending.push(finish(stack, job));
    await new Promise((r) => setTimeout(r, intervalMs)); // the client's pace, not synchronisation
  }
  const statuses = await Promise.all(pending);
  if (process.env.BENCH_VERBOSE)
    console.error(
      statuses
        .map(
          (s, i) =>
            `${i % 2 ? 'sum' : 'img'} lead ${s.leadTimeMs} wait ${s.queueWaitMs} exec ${s.executionMs}`,
        )
        .join('\n'),
    );
  return statuses.map((s) => s.leadTimeMs as number);
}

interface Options {
  png: Buffer;
  numbers: Buffer;
  noisyBytes: number;
  noisyImages: number;
  intervalMs: number;
  workers: number;
  concurrency: number;
  expressWorker: boolean;
}

interface Round {
  quiet: number[];
  noisyTotalMs?: number;
  noisyBusyDuringQuiet?: boolean;
}

async function round(fair: boolean, withNoisy: boolean, opts: Options): Promise<Round> {
  const stack = await Stack.start({
    workers: 0,
    env: {
      API_KEYS: 'quiet:quiet-key-0001,noisy:noisy-key-0002',
      FAIR_SCHEDULING: String(fair),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000',
    },
  });
  // As many CPU permits in all as the machine has cores (default: 2 workers × 1 slot), plus the
  // express worker as compose runs it: the express lane only, at the api's CPU priority.
  const startWorkers = async () => {
    const lanes = opts.expressWorker ? 'normal' : 'all';
    for (let i = 0; i < opts.workers; i++)
      await stack.startWorker({
        WORKER_CONCURRENCY: String(opts.concurrency),
        WORKER_LANES: lanes,
      });
    if (opts.expressWorker)
      await stack.startWorker({
        WORKER_CONCURRENCY: String(opts.concurrency),
        WORKER_LANES: 'express',
        WORKER_NICE: '0',
      });
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
          for (let i = c; i < opts.noisyImages; i += 8)
            mine.push(await submitImage(stack, opts.png, NOISY));
          return mine;
        }),
      )
    ).flat();
    const big = await submitNumbers(
      stack,
      generateNumbers({ bytes: opts.noisyBytes, seed: 42 }).stream,
      NOISY,
    );
    await startWorkers();
    const quiet = await quietClient(stack, opts.png, opts.numbers, opts.intervalMs);
    const quietEnded = Date.now();
    // The noisy client's tasks are polled only now: their times are the server's (startedAt,
    // finishedAt), and polling 200 tasks during the measurement would put the load generator's own
    // CPU use on the two cores the service runs on.
    const statuses: Record<string, unknown>[] = [];
    for (const job of [...images, big]) statuses.push(await finish(stack, job));
    const start = Math.min(...statuses.map((s) => Date.parse(s.startedAt as string)));
    const end = Math.max(...statuses.map((s) => Date.parse(s.finishedAt as string)));
    return { quiet, noisyTotalMs: end - start, noisyBusyDuringQuiet: end >= quietEnded };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const opts: Options = {
    png: await samplePng(),
    numbers: await readAll(generateNumbers({ bytes: 1_000_000, seed: 7 }).stream),
    noisyBytes: parseSize(arg('noisy-bytes', '1GB')),
    noisyImages: Number(arg('noisy-images', '200')),
    intervalMs: Number(arg('quiet-interval-ms', '100')),
    workers: Number(arg('workers', '2')),
    concurrency: Number(arg('concurrency', '1')),
    expressWorker: arg('express-worker', 'true') === 'true',
  };
  const repeat = Number(arg('repeat', '3'));
  const p = (xs: number[], q: number) => percentile(xs, q);
  console.log(machineLine());
  console.log(
    `quiet: 10 images (${(opts.png.length / 1024).toFixed(0)} KiB) + 10 even-sum of 1 MB, one every ${opts.intervalMs} ms; noisy: ${opts.noisyImages} images + ${opts.noisyBytes / 1e9} GB even-sum; ${opts.workers} workers × ${opts.concurrency} slot(s)${opts.expressWorker ? ' + an express worker' : ''}; ${repeat} run(s)`,
  );
  console.log(
    '| run | round | quiet p50 (ms) | quiet p95 (ms) | R (p95 / alone p95) | noisy processing, first start → last finish (s) | noisy still busy when quiet ended |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const rFair: number[] = [];
  const rFifo: number[] = [];
  const totals: number[] = [];
  // Every run's lead times together: a p95 over 20·runs samples is steadier than each run's.
  const pooled = { alone: [] as number[], fair: [] as number[], fifo: [] as number[] };
  for (let run = 1; run <= repeat; run++) {
    const alone = await round(true, false, opts);
    const fair = await round(true, true, opts);
    const fifo = await round(false, true, opts);
    const r = (x: Round) => p(x.quiet, 95) / p(alone.quiet, 95);
    console.log(`| ${run} | alone | ${p(alone.quiet, 50)} | ${p(alone.quiet, 95)} | 1.00 | | |`);
    for (const [name, x] of [
      ['fair', fair],
      ['FIFO', fifo],
    ] as const) {
      console.log(
        `| ${run} | ${name} | ${p(x.quiet, 50)} | ${p(x.quiet, 95)} | ${r(x).toFixed(2)} | ${((x.noisyTotalMs ?? 0) / 1000).toFixed(1)} | ${x.noisyBusyDuringQuiet ? 'yes' : 'no'} |`,
      );
    }
    pooled.alone.push(...alone.quiet);
    pooled.fair.push(...fair.quiet);
    pooled.fifo.push(...fifo.quiet);
    rFair.push(r(fair));
    rFifo.push(r(fifo));
    totals.push((fair.noisyTotalMs ?? 0) / (fifo.noisyTotalMs ?? 1));
  }
  const median = (xs: number[]) => p(xs, 50);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  console.log(
    `R fair: ${list(rFair)} → median ${median(rFair).toFixed(2)}; R FIFO: ${list(rFifo)} → median ${median(rFifo).toFixed(2)}; noisy total fair/FIFO: ${list(totals)} → median ${median(totals).toFixed(2)}`,
  );
  const rPooled = (xs: number[]) => (p(xs, 95) / p(pooled.alone, 95)).toFixed(2);
  console.log(
    `all runs pooled: quiet p95 alone ${p(pooled.alone, 95)} ms, fair ${p(pooled.fair, 95)} ms (R ${rPooled(pooled.fair)}), FIFO ${p(pooled.fifo, 95)} ms (R ${rPooled(pooled.fifo)})`,
  );
  console.log(
    `targets: R(fair) ≤ 1.5 → ${median(rFair) <= 1.5 ? 'MET' : 'NOT MET'}; noisy total fair/FIFO ≤ 1.10 → ${median(totals) <= 1.1 ? 'MET' : 'NOT MET'}`,
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
