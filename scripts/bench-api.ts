// npm run bench:api [-- --seconds 10 --connections 16]
// The api alone (no worker): how many POST /randomize of a ~350 KB PNG it accepts per second (autocannon).
import autocannon from 'autocannon';
import { Stack } from '../test/support/stack';
import { arg, machineLine } from './bench/bench-util';
import { samplePng } from './bench/sample-image';

// The old service (gunicorn, 2 processes, 16 connections) on a 2-core machine, from the issue.
const OLD_REQUESTS_PER_SECOND = 260;

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '10'));
  const connections = Number(arg('connections', '16'));
  const png = await samplePng();
  // No worker: tasks pile up, so the per-client caps are lifted for the measurement.
  const stack = await Stack.start({
    workers: 0,
    env: {
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '10000000',
      MAX_PENDING_TASKS_PER_CLIENT: '10000000',
    },
  });
  try {
    const result = await autocannon({
      url: `${stack.url}/randomize`,
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
      connections,
      duration: seconds,
    });
    const rps = result.requests.average;
    const non2xx = result.non2xx + result.errors;
    console.log(machineLine());
    console.log(
      `api alone: POST /randomize of ${(png.length / 1024).toFixed(0)} KiB, ${connections} connections, ${seconds} s`,
    );
    console.log(`| metric | this service | old service | ratio |`);
    console.log(`| --- | --- | --- | --- |`);
    console.log(
      `| requests/s | ${rps.toFixed(0)} | ${OLD_REQUESTS_PER_SECOND} | ${(rps / OLD_REQUESTS_PER_SECOND).toFixed(1)}x |`,
    );
    console.log(`| latency p50 / p99 (ms) | ${result.latency.p50} / ${result.latency.p99} | | |`);
    console.log(`| errors or non-2xx | ${non2xx} | | |`);
    console.log(
      `target: ≥ ${OLD_REQUESTS_PER_SECOND * 3} requests/s → ${rps >= OLD_REQUESTS_PER_SECOND * 3 && non2xx === 0 ? 'MET' : 'NOT MET'}`,
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
