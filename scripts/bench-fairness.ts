// npm run bench:fairness [-- --noisy-bytes 1GB --noisy-images 200 --quiet-interval-ms 100 --workers 2
//   --concurrency 1 --ecs-concurrency 2 --repeat 3 --configs compose,compose:fifo]
// Real api + workers: (1) a quiet client's small jobs alone, (2) the same while a noisy client has a
// 1 GB even-sum and 200 images in flight, once per configuration. Prints R = quiet p95 under
// contention / quiet p95 alone (the same run and shape), and the noisy client's total time; the
// rounds are repeated (a p95 of 20 lead times on a shared 2-core machine is noisy), configurations
// interleaved within each run so that load drift hits all alike, and judged on the median.
//
// A configuration is a shape with fairness switched off or not, `shape[:switch+switch…]`:
//   compose  api + `--workers` workers × `--concurrency` slots: docker-compose's two workers, scaled
//            to as many CPU permits in all as the machine has cores;
//   ecs      api + one worker × `--ecs-concurrency` slots, as one ECS task per machine runs it;
//   ecs-cluster  the same task as one worker of WORKER_PROCESSES=`--ecs-concurrency` processes ×
//            WORKER_CONCURRENCY=1 (node:cluster), as the ECS worker task now runs;
//   switches before (the build at `--before DIR`, e.g. tmp/dist-before, instead of dist/: the
//            change under test against its baseline in the same run; the alone rounds use dist/);
//            fifo (FAIR_SCHEDULING=false: no fair tags, FIFO in each queue); no-tags is the same
//            (it was FAIR_TAGS=false while an express lane existed beside the tags); chunks-16m
//            (CHUNK_BYTES of 16 MiB instead of 64).
// --breakdown true: where each quiet image's time went (api, waiting for a slot, the rest of its
//   wait in bull, the CPU gate, decode + encode, the rest of its execution, after), from the statuses
//   and the workers' `image steps` debug lines.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
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
  return { ...status, kind: job.kind, token: job.token };
}

type Status = Record<string, unknown>;

/** The quiet client: 10 images and 10 files of 1 MB, one every `intervalMs`, alternating; their statuses. */
async function quietClient(
  stack: Stack,
  png: Buffer,
  numbers: Buffer,
  intervalMs: number,
): Promise<Status[]> {
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
  return statuses;
}

const lead = (statuses: Status[]) => statuses.map((s) => s.leadTimeMs as number);
/** "randomize: 31 35 … | even-sum: 40 52 …": each kind's lead times (ms), sorted. */
const leadsByKind = (statuses: Status[]) =>
  ['randomize', 'even-sum']
    .map((kind) => {
      const ms = lead(statuses.filter((s) => s.kind === kind)).sort((a, b) => a - b);
      return `${kind}: ${ms.join(' ')}`;
    })
    .join(' | ');

/**
 * Where a quiet image's lead time went (--breakdown), in ms: the api (request → enqueued), waiting
 * for a slot (every randomize slot busy when it was enqueued: until the first of them finished),
 * the rest of its wait in bull, waiting at the worker's CPU gate, decoding + encoding, the rest of
 * its execution (blob reads and writes, records), and what follows (the finish write).
 */
function imageBreakdown(
  quiet: Status[],
  noisy: Status[],
  steps: Map<string, Record<string, number>>,
  slots: number,
): Record<string, number>[] {
  const t = (s: Status, field: string) => Date.parse(s[field] as string);
  const images = [...quiet, ...noisy].filter((s) => s.kind === 'randomize');
  return quiet
    .filter((s) => s.kind === 'randomize')
    .map((s) => {
      const started = t(s, 'startedAt');
      const queueWait = s.queueWaitMs as number;
      const enqueued = started - queueWait;
      const running = images.filter(
        (o) => o !== s && t(o, 'startedAt') <= enqueued && t(o, 'finishedAt') > enqueued,
      );
      const slotWait =
        running.length >= slots
          ? Math.min(queueWait, Math.min(...running.map((o) => t(o, 'finishedAt'))) - enqueued)
          : 0;
      const step = steps.get(s.token as string) ?? {};
      const exec = s.executionMs as number;
      const cpu = (step.decodeMs ?? NaN) + (step.encodeMs ?? NaN);
      const api = enqueued - t(s, 'requestedAt');
      return {
        lead: s.leadTimeMs as number,
        api,
        slotWait,
        bullRest: queueWait - slotWait,
        gateWait: step.gateWaitMs ?? NaN,
        cpu,
        otherExec: exec - (step.gateWaitMs ?? NaN) - cpu,
        after: (s.leadTimeMs as number) - api - queueWait - exec,
      };
    });
}

function printBreakdown(name: string, rows: Record<string, number>[]): void {
  if (!rows.length) return;
  const keys = Object.keys(rows[0]);
  const median = (k: string) => percentile(rows.map((r) => r[k]).filter(Number.isFinite), 50);
  const worst = rows.reduce((a, b) => (b.lead > a.lead ? b : a));
  console.log(
    `  breakdown ${name}, quiet images (ms), median | slowest: ${keys.map((k) => `${k} ${Math.round(median(k))} | ${Math.round(worst[k])}`).join(', ')}`,
  );
}

interface Options {
  png: Buffer;
  numbers: Buffer;
  noisyBytes: number;
  noisyImages: number;
  intervalMs: number;
  workers: number;
  concurrency: number;
  ecsConcurrency: number;
  breakdown: boolean;
  /** A build to compare with (`--before DIR`): configurations with the `before` switch run it. */
  before?: string;
}

type Shape = 'compose' | 'ecs' | 'ecs-cluster';
const SWITCHES = ['no-tags', 'fifo', 'chunks-16m', 'before'];

/** A deployment shape with some fairness layers switched off: the env of every process, and each worker's. */
interface Config {
  name: string;
  shape: Shape;
  env: Record<string, string>;
  workers: Record<string, string>[];
  /** The build to run (default dist/). */
  dist?: string;
}

function configOf(name: string, opts: Options): Config {
  const [shape, ...rest] = name.split(/[:+]/);
  if (shape !== 'compose' && shape !== 'ecs' && shape !== 'ecs-cluster')
    throw new Error(`unknown shape ${shape} in ${name}`);
  const off = new Set(rest);
  for (const s of off) if (!SWITCHES.includes(s)) throw new Error(`unknown switch ${s} in ${name}`);
  const env: Record<string, string> = {};
  if (off.has('no-tags') || off.has('fifo')) env.FAIR_SCHEDULING = 'false';
  // Chunks of 16 MiB instead of CHUNK_BYTES' 64: a chunk holds its slot a quarter as long.
  if (off.has('chunks-16m')) env.CHUNK_BYTES = String(16 << 20);
  if (off.has('before') && !opts.before) throw new Error(`${name} needs --before DIR`);
  const dist = off.has('before') ? resolve(opts.before!) : undefined;
  const worker = (concurrency: number) => ({ WORKER_CONCURRENCY: String(concurrency) });
  if (shape === 'ecs') return { name, shape, env, dist, workers: [worker(opts.ecsConcurrency)] };
  if (shape === 'ecs-cluster')
    return {
      name,
      shape,
      env,
      dist,
      workers: [{ ...worker(1), WORKER_PROCESSES: String(opts.ecsConcurrency) }],
    };
  const workers = Array.from({ length: opts.workers }, () => worker(opts.concurrency));
  return { name, shape, env, dist, workers };
}

interface Round {
  quiet: number[];
  /** The quiet client's lead times by kind, sorted (which of them make the p95). */
  byKind: string;
  breakdown?: Record<string, number>[];
  noisyTotalMs?: number;
  noisyBusyDuringQuiet?: boolean;
  /** The machine's 1-minute load average as the round ended (other users of the cores show here). */
  load: number;
}

async function round(config: Config, withNoisy: boolean, opts: Options): Promise<Round> {
  const stack = await Stack.start({
    workers: 0,
    dist: config.dist,
    env: {
      API_KEYS: 'quiet:quiet-key-0001,noisy:noisy-key-0002',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '100000',
      ...config.env,
    },
  });
  const startWorkers = async () => {
    for (const env of config.workers)
      await stack.startWorker(opts.breakdown ? { ...env, LOG_LEVEL: 'debug' } : env);
  };
  const slots = config.workers.reduce(
    (n, w: Record<string, string>) =>
      n + Number(w.WORKER_CONCURRENCY) * Number(w.WORKER_PROCESSES ?? 1),
    0,
  );
  const breakdown = (quiet: Status[], noisy: Status[]) => {
    if (!opts.breakdown) return undefined;
    const steps = new Map(
      stack.workers
        .flatMap((w) => w.logs())
        .filter((l) => l.msg === 'image steps')
        .map((l) => [l.token as string, l as Record<string, number>]),
    );
    return imageBreakdown(quiet, noisy, steps, slots);
  };
  try {
    if (!withNoisy) {
      await startWorkers();
      const quiet = await quietClient(stack, opts.png, opts.numbers, opts.intervalMs);
      return {
        quiet: lead(quiet),
        byKind: leadsByKind(quiet),
        breakdown: breakdown(quiet, []),
        load: loadavg()[0],
      };
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
    const load = loadavg()[0];
    // The noisy client's tasks are polled only now: their times are the server's (startedAt,
    // finishedAt), and polling 200 tasks during the measurement would put the load generator's own
    // CPU use on the two cores the service runs on.
    const statuses: Record<string, unknown>[] = [];
    for (const job of [...images, big]) statuses.push(await finish(stack, job));
    const start = Math.min(...statuses.map((s) => Date.parse(s.startedAt as string)));
    const end = Math.max(...statuses.map((s) => Date.parse(s.finishedAt as string)));
    return {
      quiet: lead(quiet),
      byKind: leadsByKind(quiet),
      breakdown: breakdown(quiet, statuses),
      noisyTotalMs: end - start,
      noisyBusyDuringQuiet: end >= quietEnded,
      load,
    };
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
    ecsConcurrency: Number(arg('ecs-concurrency', '2')),
    breakdown: arg('breakdown', 'false') === 'true',
    before: arg('before', '') || undefined,
  };
  const repeat = Number(arg('repeat', '3'));
  const configs = arg('configs', 'compose,compose:fifo')
    .split(',')
    .map((name) => configOf(name, opts));
  const shapes = [...new Set(configs.map((c) => c.shape))];
  const p = (xs: number[], q: number) => percentile(xs, q);
  console.log(machineLine());
  console.log(
    `quiet: 10 images (${(opts.png.length / 1024).toFixed(0)} KiB) + 10 even-sum of 1 MB, one every ${opts.intervalMs} ms; noisy: ${opts.noisyImages} images + ${opts.noisyBytes / 1e9} GB even-sum; ${repeat} run(s) of ${configs.map((c) => c.name).join(', ')}`,
  );
  for (const shape of shapes) {
    const workers = configOf(shape, opts).workers;
    console.log(`${shape}: api + ${workers.map((w) => JSON.stringify(w)).join(' + ')}`);
  }
  console.log(
    '| run | configuration | quiet p50 (ms) | quiet p95 (ms) | R (p95 / alone p95) | noisy processing, first start → last finish (s) | noisy still busy when quiet ended | load (1 min) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const rs = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  const noisy = new Map<string, number[]>(configs.map((c) => [c.name, []]));
  // Every run's lead times together: a p95 over 20·runs samples is steadier than each run's.
  const pooled = new Map<string, number[]>(
    [...shapes.map((s) => `alone ${s}`), ...configs.map((c) => c.name)].map((k) => [k, []]),
  );
  const summarize = () => {
    const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(
      '\n| configuration | runs | R min / median / max | R runs | R pooled | noisy processing median (s) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const config of configs) {
      const r = rs.get(config.name)!;
      const rPooled = p(pooled.get(config.name)!, 95) / p(pooled.get(`alone ${config.shape}`)!, 95);
      console.log(
        `| ${config.name} | ${r.length} | ${Math.min(...r).toFixed(2)} / ${p(r, 50).toFixed(2)} / ${Math.max(...r).toFixed(2)} | ${list(r)} | ${rPooled.toFixed(2)} | ${p(noisy.get(config.name)!, 50).toFixed(1)} |`,
      );
    }
    for (const shape of shapes) {
      const r = rs.get(shape);
      if (r?.length)
        console.log(`target R(${shape}) median ≤ 1.5 → ${p(r, 50) <= 1.5 ? 'MET' : 'NOT MET'}`);
    }
  };
  for (let run = 1; run <= repeat; run++) {
    const alone = new Map<Shape, Round>();
    for (const shape of shapes) {
      const x = await round(configOf(shape, opts), false, opts);
      alone.set(shape, x);
      pooled.get(`alone ${shape}`)!.push(...x.quiet);
      console.log(
        `| ${run} | ${shape} alone | ${p(x.quiet, 50)} | ${p(x.quiet, 95)} | 1.00 | | | ${x.load.toFixed(1)} |`,
      );
      if (x.breakdown) printBreakdown(`${shape} alone`, x.breakdown);
      console.log(`  quiet lead times (ms), ${x.byKind}`);
    }
    // Rotated each run, so that no configuration always follows the same one.
    const order = configs.map((_, i) => configs[(i + run - 1) % configs.length]);
    for (const config of order) {
      const x = await round(config, true, opts);
      const r = p(x.quiet, 95) / p(alone.get(config.shape)!.quiet, 95);
      rs.get(config.name)!.push(r);
      noisy.get(config.name)!.push((x.noisyTotalMs ?? 0) / 1000);
      pooled.get(config.name)!.push(...x.quiet);
      console.log(
        `| ${run} | ${config.name} | ${p(x.quiet, 50)} | ${p(x.quiet, 95)} | ${r.toFixed(2)} | ${((x.noisyTotalMs ?? 0) / 1000).toFixed(1)} | ${x.noisyBusyDuringQuiet ? 'yes' : 'no'} | ${x.load.toFixed(1)} |`,
      );
      if (x.breakdown) printBreakdown(config.name, x.breakdown);
      console.log(`  quiet lead times (ms), ${x.byKind}`);
    }
    // After every run, so that a run cut short still leaves its figures.
    summarize();
  }
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
