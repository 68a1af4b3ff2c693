// npm run bench:load [-- --seconds 60 --clients 50 --workers 2 --concurrency 1 --drain-seconds 60
//   --seed 1 --rss-csv rss.csv --env FAIR_SCHEDULING=false,…]
// Mixed load against the real api and workers: `clients` loops, each with its own API key (so the
// service counts that many clients), submitting a randomize (the ~350 KB sample PNG) or an even-sum
// (a generated 64 KiB..1 MiB file) about half and half from a seeded PRNG, polling it to its end
// and checking the result (every sum exactly; every PNG's type and signature, and one in
// --decode-every decoded to the input's dimensions). Loops stop submitting after --seconds, then
// wait for their in-flight tasks up to --drain-seconds.
// Reports requests/s, tasks/s, errors, lead-time percentiles (the server's leadTimeMs) and the RSS
// of every process, sampled each second from /proc: its max, and its growth over the second half
// of the traffic (mean of the last quarter vs the second quarter; a linear fit shown beside it).
// Exits 1 when a task errored, a result was wrong or a token did not finish; RSS is only reported.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { decodePng } from '../test/support/images';
import { Stack } from '../test/support/stack';
import { arg, machineLine, percentile } from './bench/bench-util';
import { clientLoop, Kind, LoadInputs, LoadStats, NumbersFile } from './bench/load-client';
import { RssSampler, RssSummary } from './bench/rss-sampler';
import { samplePng } from './bench/sample-image';
import { prng } from '../test/support/fuzz';

const EVEN_SUM_SIZES = [64 * 1024, 256 * 1024, 1024 * 1024];
const RSS_GROWTH_TARGET = 0.1;
const MiB = 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

// WORKER_CONCURRENCY 1 per worker: 2 workers × 1 slot = one job per core of a 2-core box, where the
// api, Redis and the client loops need CPU too. Measured (20 clients × 15 s, alternating runs on
// the 2-core box): the default (availableParallelism() = 2, so 4 jobs on 2 cores) completed no
// more tasks/s (17.2 and 18.8 vs 17.3 and 18.7), its p50 lead time was ~80 ms lower but its p99
// ~250 ms higher (jobs time-slice the same cores), and each worker runs a second scan thread.
// Pass --concurrency 2 to compare.
const DEFAULT_CONCURRENCY = '1';

async function makeInputs(): Promise<LoadInputs> {
  const png = await samplePng();
  const { width, height } = await decodePng(png);
  const numbers = await Promise.all(
    EVEN_SUM_SIZES.map(async (bytes, i): Promise<NumbersFile> => {
      const { stream, expected } = generateNumbers({ bytes, seed: 1000 + i });
      const parts: Buffer[] = [];
      for await (const part of stream) parts.push(part as Buffer);
      return { body: Buffer.concat(parts), ...(await expected) };
    }),
  );
  return { png, pngWidth: width, pngHeight: height, numbers };
}

function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host))
    throw new Error(
      `${what} ${url} is not a loopback address; this benchmark only talks to this machine`,
    );
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
const mb = (bytes: number) => (bytes / MiB).toFixed(0);
const pct = (x: number) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : 'n/a';
const ms = (xs: number[], p: number) => (xs.length ? String(Math.round(percentile(xs, p))) : 'n/a');

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '60'));
  const clients = Number(arg('clients', '50'));
  const workers = Number(arg('workers', '2'));
  const concurrency = arg('concurrency', DEFAULT_CONCURRENCY);
  const drainSeconds = Number(arg('drain-seconds', '60'));
  const taskTimeoutMs = Number(arg('task-timeout-seconds', '120')) * 1000;
  const decodeEvery = Math.max(1, Number(arg('decode-every', '10')));
  const seed = Number(arg('seed', '1'));
  const rssCsv = arg('rss-csv', '');
  // Extra env for the api and workers, to compare settings: --env NAME=value,NAME=value
  const extraEnv = Object.fromEntries(
    arg('env', '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new Error(`bad --env entry ${pair} (want NAME=value)`);
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      }),
  );
  const positive = {
    seconds,
    clients,
    workers,
    'task-timeout-seconds': taskTimeoutMs,
    'decode-every': decodeEvery,
  };
  for (const [name, v] of Object.entries({ ...positive, 'drain-seconds': drainSeconds, seed })) {
    if (!Number.isFinite(v) || v < 0 || (name in positive && v === 0))
      throw new Error(`bad --${name}: ${v}`);
  }
  if (clients > 1000 || seconds > 3600) throw new Error('at most 1000 clients and 3600 seconds');
  if ('API_KEYS' in extraEnv)
    throw new Error('--env API_KEYS: the benchmark makes its own keys, one per client loop');

  // One API key per loop, named for this run: 50 clients as the service counts them (rate limit,
  // fair scheduling, pending caps), and none shared with another stack on the same Redis. (The rate
  // limiter's keys were once outside QUEUE_PREFIX, and `anonymous` then shared its counter and its
  // 60 s block with every other run on this Redis; they are under it now, see redisKeys.throttle.)
  const runId = randomBytes(4).toString('hex');
  const keys = Array.from({ length: clients }, (_, i) => ({
    client: `load-${runId}-${i}`,
    key: randomBytes(16).toString('hex'),
  }));
  const inputs = await makeInputs();
  const loadAtStart = load();
  const stack = await Stack.start({
    workers,
    env: {
      WORKER_CONCURRENCY: concurrency,
      RATE_LIMIT_PER_MINUTE: '10000000',
      LOG_LEVEL: 'warn',
      API_KEYS: keys.map((k) => `${k.client}:${k.key}`).join(','),
      ...extraEnv,
    },
  });
  const stats = new LoadStats();
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let sampler: RssSampler | undefined;
  try {
    assertLoopback(stack.url, 'api');
    assertLoopback(stack.redisUrl, 'Redis');
    const watched = [
      { name: 'api', pid: stack.api.proc.pid ?? -1 },
      ...stack.workers.map((w, i) => ({ name: `worker ${i + 1}`, pid: w.proc.pid ?? -1 })),
    ];
    sampler = new RssSampler(watched).start();
    const clock = sampler.now.bind(sampler);
    const t0 = clock();
    sampler.markCpu('from');
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    let clientCpuCores = NaN;
    const submitUntil = started + seconds * 1000;
    const drainUntil = submitUntil + drainSeconds * 1000;
    let trafficEnd = NaN;
    setTimeout(() => {
      trafficEnd = clock();
      sampler?.markCpu('to');
      const used = process.cpuUsage(cpuAtStart);
      clientCpuCores = (used.user + used.system) / 1e6 / seconds;
    }, seconds * 1000).unref();

    await Promise.all(
      Array.from({ length: clients }, (_, i) =>
        clientLoop({
          base: stack.url,
          headers: { authorization: `Bearer ${keys[i].key}` },
          random: prng(seed * 7919 + i),
          inputs,
          stats,
          submitUntil,
          drainUntil,
          taskTimeoutMs,
          decodeEvery,
          clock,
          signal: abort.signal,
        }),
      ),
    );
    const ended = performance.now();
    sampler.stop();
    if (rssCsv) writeFileSync(rssCsv, sampler.csv());
    if (Number.isNaN(trafficEnd)) trafficEnd = clock(); // interrupted before the deadline
    if (abort.signal.aborted) throw new Error('interrupted');
    const wallSeconds = (ended - started) / 1000;
    const drainTook = Math.max(0, (ended - submitUntil) / 1000);

    report({
      seconds,
      clients,
      workers,
      concurrency,
      wallSeconds,
      drainTook,
      stats,
      inputs,
      rss: sampler.summary(t0, trafficEnd),
      loadAtStart,
      loadAtEnd: load(),
      clientCpuCores,
      clientRss: process.memoryUsage.rss(),
      extraEnv,
      finishedInTraffic: stats.finishedAt.filter((t) => t <= trafficEnd).length,
      trafficSeconds: trafficEnd - t0,
    });
    const unfinished = [...stats.submitted.keys()].filter((t) => !stats.finished.has(t));
    if (stats.errors.length > 0 || unfinished.length > 0) {
      process.exitCode = 1;
      printServiceErrors(stack);
    }
  } finally {
    sampler?.stop();
    process.off('SIGINT', onSigint);
    await stack.stop();
  }
}

interface Report {
  seconds: number;
  clients: number;
  workers: number;
  concurrency: string;
  wallSeconds: number;
  drainTook: number;
  trafficSeconds: number;
  finishedInTraffic: number;
  stats: LoadStats;
  inputs: LoadInputs;
  rss: RssSummary[];
  loadAtStart: string;
  loadAtEnd: string;
  clientCpuCores: number;
  clientRss: number;
  extraEnv: Record<string, string>;
}

function report(r: Report): void {
  const { stats } = r;
  const kinds = [...stats.submitted.values()];
  const count = (k: Kind) => kinds.filter((x) => x === k).length;
  const unfinished = [...stats.submitted.keys()].filter((t) => !stats.finished.has(t));
  const all = [...stats.leadMs.randomize, ...stats.leadMs['even-sum']];
  const rssOk = r.rss.every((p) => p.quarterGrowth < RSS_GROWTH_TARGET);
  const sizes = r.inputs.numbers.map((n) => `${n.body.length / 1024} KiB`).join(', ');

  console.log(machineLine());
  console.log(
    `load: ${r.clients} clients for ${r.seconds} s (drain ${r.drainTook.toFixed(1)} s), ${r.workers} workers × concurrency ${r.concurrency}; randomize ${(r.inputs.png.length / 1024).toFixed(0)} KiB PNG ${r.inputs.pngWidth}×${r.inputs.pngHeight}, even-sum ${sizes}`,
  );
  if (Object.keys(r.extraEnv).length)
    console.log(
      `extra env: ${Object.entries(r.extraEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  console.log(`load average (1/5/15 min): start ${r.loadAtStart}, end ${r.loadAtEnd}`);
  console.log('');
  console.log('| metric | value | target |');
  console.log('| --- | --- | --- |');
  console.log(
    `| tasks submitted (randomize / even-sum) | ${stats.submitted.size} (${count('randomize')} / ${count('even-sum')}) | |`,
  );
  console.log(
    `| tasks finished, result checked | ${stats.finished.size} / ${stats.submitted.size} | all |`,
  );
  console.log(
    `| tasks/s completed (traffic phase) | ${(r.finishedInTraffic / r.trafficSeconds).toFixed(1)} | |`,
  );
  console.log(
    `| HTTP requests (submit / status / result) | ${stats.totalRequests} (${stats.requests.submit} / ${stats.requests.status} / ${stats.requests.result}) | |`,
  );
  console.log(
    `| requests/s (all, over ${r.wallSeconds.toFixed(1)} s) | ${(stats.totalRequests / r.wallSeconds).toFixed(0)} | |`,
  );
  console.log(`| status polls answered 404 (allowed) | ${stats.notFoundPolls} | |`);
  console.log(`| errors | ${stats.errors.length} | 0 |`);
  console.log(
    `| lead time p50 / p95 / p99, all (ms) | ${ms(all, 50)} / ${ms(all, 95)} / ${ms(all, 99)} | |`,
  );
  for (const k of ['randomize', 'even-sum'] as const) {
    const xs = stats.leadMs[k];
    console.log(
      `| lead time p50 / p95 / p99, ${k} (ms) | ${ms(xs, 50)} / ${ms(xs, 95)} / ${ms(xs, 99)} | |`,
    );
  }
  console.log(
    `| queue wait / execution p50 (ms, server) | ${ms(stats.queueWaitMs, 50)} / ${ms(stats.executionMs, 50)} | |`,
  );
  console.log(
    `| queue wait / execution p95 (ms, server) | ${ms(stats.queueWaitMs, 95)} / ${ms(stats.executionMs, 95)} | |`,
  );
  console.log(
    `| client-seen lead time p50 / p95 (ms, incl. polling) | ${ms(stats.clientLeadMs, 50)} / ${ms(stats.clientLeadMs, 95)} | |`,
  );
  console.log(`| PNG results decoded (dimensions checked) | ${stats.pngsDecoded} | |`);
  console.log('');
  console.log(
    '| process | RSS max (MiB) | RSS mean Q2 (MiB) | RSS mean Q4 (MiB) | growth Q4/Q2 | growth, linear fit over 2nd half | CPU (cores, traffic phase) | < 10% |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const p of r.rss) {
    console.log(
      `| ${p.name} | ${mb(p.maxBytes)} | ${mb(p.q2MeanBytes)} | ${mb(p.q4MeanBytes)} | ${pct(p.quarterGrowth)} | ${pct(p.fitGrowth)} | ${p.cpuCores.toFixed(2)} | ${p.quarterGrowth < RSS_GROWTH_TARGET ? 'PASS' : 'FAIL'} |`,
    );
  }
  console.log(
    `| bench client (this process) | ${mb(r.clientRss)} (at end) | | | | | ${r.clientCpuCores.toFixed(2)} | |`,
  );
  console.log('');
  const ok = stats.errors.length === 0 && unfinished.length === 0;
  console.log(
    `targets: 0 errors and every token finished → ${ok ? 'MET' : 'NOT MET'}; RSS growth over the second half < 10% → ${rssOk ? 'MET' : 'NOT MET'}`,
  );
  if (stats.errors.length > 0) {
    console.log(`first errors (of ${stats.errors.length}):`);
    for (const e of stats.errors.slice(0, 10)) console.log(`  ${e}`);
  }
  if (unfinished.length > 0)
    console.log(`unfinished tokens (${unfinished.length}): ${unfinished.slice(0, 10).join(' ')}`);
}

/** The services' own error logs (LOG_LEVEL warn keeps them), grouped: the cause behind a 5xx. */
function printServiceErrors(stack: Stack): void {
  const counts = new Map<string, number>();
  for (const service of [stack.api, ...stack.workers]) {
    for (const line of service.logs()) {
      if (typeof line.level !== 'number' || line.level < 50) continue; // pino: 50 error, 60 fatal
      const err = line.err as { type?: string; message?: string } | undefined;
      const key = `${service.name}: ${String(line.msg)}${err ? ` (${err.type ?? 'Error'}: ${err.message ?? ''})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  if (counts.size === 0) return;
  console.log('service error logs:');
  for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10))
    console.log(`  ${n} × ${key}`);
}

main().then(
  () => process.exit(),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
