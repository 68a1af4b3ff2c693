// npm run bench:randomize [-- --images 200 --clients 8 --workers 1 --concurrency 2 --png-level 3]
// N images through the real api and worker(s) with C concurrent clients: images/s and lead-time p50/p95.
import { Stack } from '../test/support/stack';
import { http, waitForTask } from '../test/support/http';
import { arg, machineLine, percentile, runConcurrently } from './bench/bench-util';
import { samplePng } from './bench/sample-image';

// The old service on a 2-core machine (from the issue): 7 images/s end to end, p95 lead time 2.0 s.
const OLD = { imagesPerSecond: 7, p95Seconds: 2.0 };

async function main(): Promise<void> {
  const images = Number(arg('images', '200'));
  const clients = Number(arg('clients', '8'));
  const workers = Number(arg('workers', '1'));
  const concurrency = arg('concurrency', '2');
  const pngLevel = arg('png-level', '3');
  const png = await samplePng();
  const stack = await Stack.start({
    workers,
    env: { WORKER_CONCURRENCY: concurrency, PNG_COMPRESSION_LEVEL: pngLevel, LOG_LEVEL: 'warn' },
  });
  try {
    const leadMs: number[] = [];
    const started = performance.now();
    await runConcurrently(images, clients, async () => {
      const t0 = performance.now();
      const { body } = await http<{ token: string }>(`${stack.url}/randomize`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: png,
      });
      const final = await waitForTask(stack.url, 'randomize', body.token, 120_000);
      if (final.status !== 'finished')
        throw new Error(`task ${body.token} ${String(final.status)}: ${String(final.error)}`);
      const result = await http(`${stack.url}/randomize/${body.token}/result`);
      if (result.status !== 200) throw new Error(`result ${result.status}`);
      leadMs.push(performance.now() - t0);
    });
    const seconds = (performance.now() - started) / 1000;
    const rate = images / seconds;
    const p50 = percentile(leadMs, 50) / 1000;
    const p95 = percentile(leadMs, 95) / 1000;
    console.log(machineLine());
    console.log(
      `randomize: ${images} images of ${(png.length / 1024).toFixed(0)} KiB, ${clients} clients, ${workers} worker(s) × concurrency ${concurrency}, PNG level ${pngLevel}`,
    );
    console.log(`| metric | this service | old service | ratio |`);
    console.log(`| --- | --- | --- | --- |`);
    console.log(
      `| images/s | ${rate.toFixed(1)} | ${OLD.imagesPerSecond} | ${(rate / OLD.imagesPerSecond).toFixed(1)}x |`,
    );
    console.log(`| lead time p50 (s) | ${p50.toFixed(3)} | | |`);
    console.log(
      `| lead time p95 (s) | ${p95.toFixed(3)} | ${OLD.p95Seconds} | ${(OLD.p95Seconds / p95).toFixed(1)}x lower |`,
    );
    console.log(
      `targets: ≥ ${OLD.imagesPerSecond * 5} images/s and p95 < ${OLD.p95Seconds / 5} s → ${rate >= OLD.imagesPerSecond * 5 && p95 < OLD.p95Seconds / 5 ? 'MET' : 'NOT MET'}`,
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
