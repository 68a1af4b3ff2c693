// npm run bench:api [-- --seconds 8 --connections 16 --rounds 3 --processes N]
// The api alone (no worker): how many POST /randomize of a ~350 KB PNG it accepts per second (autocannon),
// with API_PROCESSES=N (default: the CPUs, as `npm start`).
//
// With OLD_SERVICE_URL (the old Flask service: `../shared/old-service/run.sh PORT`, then
// OLD_SERVICE_URL=http://127.0.0.1:PORT) each round measures ours, then the old one, on the same
// machine in the same minute, so other load touches both alike; it prints every round with the load
// average, then medians and ranges. After each old round its task list is deleted (OLD_SERVICE_PREFIX,
// run.sh's default old-<port>): it holds every image pickled in Redis, ~1 GB a round, and its worker
// would otherwise spend the next round of ours on that backlog.
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { availableParallelism, loadavg } from 'node:os';
import { Stack } from '../test/support/stack';
import { arg, machineLine, percentile } from './bench/bench-util';
import { samplePng } from './bench/sample-image';

interface Round {
  ours: number;
  old?: number;
  load: string;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function rate(
  url: string,
  png: Buffer,
  connections: number,
  seconds: number,
): Promise<{ rps: number; bad: number; p50: number; p99: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: png,
    connections,
    duration: seconds,
  });
  return {
    rps: result.requests.average,
    bad: result.non2xx + result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** Deletes the old service's queued images and task results (keys under its prefix). */
async function drainOld(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    await redis.del(`${prefix}:tasks`);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:result:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const summary = (values: number[]) =>
  `${percentile(values, 50).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '8'));
  const connections = Number(arg('connections', '16'));
  const rounds = Number(arg('rounds', '3'));
  const processes = Number(arg('processes', String(availableParallelism())));
  const oldUrl = process.env.OLD_SERVICE_URL?.replace(/\/$/, '');
  const oldPrefix = process.env.OLD_SERVICE_PREFIX ?? (oldUrl && `old-${new URL(oldUrl).port}`);
  const png = await samplePng();
  // No worker: tasks pile up, so the per-client caps are lifted for the measurement.
  const stack = await Stack.start({
    workers: 0,
    env: {
      LOG_LEVEL: 'warn',
      API_PROCESSES: String(processes),
      RATE_LIMIT_PER_MINUTE: '10000000',
      MAX_PENDING_TASKS_PER_CLIENT: '10000000',
    },
  });
  const results: Round[] = [];
  let bad = 0;
  let latency = '';
  try {
    console.log(machineLine());
    console.log(
      `api alone: POST /randomize of ${(png.length / 1024).toFixed(0)} KiB, ${connections} connections, ${seconds} s a run, ${rounds} rounds, API_PROCESSES=${processes}, no worker`,
    );
    if (!oldUrl)
      console.log(
        'OLD_SERVICE_URL not set: the old service is not measured (../shared/old-service/run.sh PORT)',
      );
    // A short warm-up: JIT, connections, Redis scripts loaded.
    await rate(`${stack.url}/randomize`, png, connections, 1);
    for (let i = 0; i < rounds; i++) {
      const ours = await rate(`${stack.url}/randomize`, png, connections, seconds);
      bad += ours.bad;
      latency = `${ours.p50} / ${ours.p99}`;
      const round: Round = { ours: ours.rps, load: load() };
      if (oldUrl) {
        const old = await rate(`${oldUrl}/randomize`, png, connections, seconds);
        round.old = old.rps;
        await drainOld(stack.redisUrl, oldPrefix!);
      }
      results.push(round);
      console.log(
        `round ${i + 1}: ours ${round.ours.toFixed(0)} req/s` +
          (round.old === undefined
            ? ''
            : `, old ${round.old.toFixed(0)} req/s, ratio ${(round.ours / round.old).toFixed(2)}x`) +
          ` (load average ${round.load})`,
      );
    }
    const ours = results.map((r) => r.ours);
    const olds = results.flatMap((r) => (r.old === undefined ? [] : [r.old]));
    const ratios = results.flatMap((r) => (r.old === undefined ? [] : [r.ours / r.old]));
    console.log(`| metric | this service | old service | ratio |`);
    console.log(`| --- | --- | --- | --- |`);
    console.log(
      `| requests/s, median (range) | ${summary(ours)} | ${olds.length ? summary(olds) : 'not measured'} | ${
        ratios.length
          ? `${percentile(ratios, 50).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
          : ''
      } |`,
    );
    console.log(`| latency p50 / p99 (ms), last round | ${latency} | | |`);
    console.log(`| errors or non-2xx | ${bad} | | |`);
    if (ratios.length)
      console.log(
        `target: ≥ 3× the old service → ${percentile(ratios, 50) >= 3 && bad === 0 ? 'MET' : 'NOT MET'} (median ratio)`,
      );
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
