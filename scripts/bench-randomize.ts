// npm run bench:randomize [-- --images 200 --clients 8 --workers 1 --concurrency 2 --png-level 3 --image cat.png]
// N images through the real api and worker(s) with C concurrent clients: images/s, lead-time p50/p95 and
// the result's size over the input's. With OLD_SERVICE_URL (the old service, e.g. started with
// `../shared/old-service/run.sh --fixed 5055`) the same images go through it too, in the same run.
import { readFile } from 'node:fs/promises';
import { Stack } from '../test/support/stack';
import { http, waitForTask } from '../test/support/http';
import { arg, machineLine, percentile, runConcurrently } from './bench/bench-util';
import { readCpuSeconds } from './bench/rss-sampler';
import { samplePng } from './bench/sample-image';

// The old service on a 2-core machine (from the issue): 7 images/s end to end, p95 lead time 2.0 s.
const OLD = { imagesPerSecond: 7, p95Seconds: 2.0 };

interface Run {
  imagesPerSecond: number;
  p50Seconds: number;
  p95Seconds: number;
  /** Median result bytes over input bytes. */
  sizeRatio: number;
}

/** Submits `images` copies of `png` to `base` from `clients` loops, each waiting for its result. */
async function drive(base: string, png: Buffer, images: number, clients: number): Promise<Run> {
  const leadMs: number[] = [];
  const ratios: number[] = [];
  const started = performance.now();
  await runConcurrently(images, clients, async () => {
    const t0 = performance.now();
    const { body } = await http<{ token: string }>(`${base}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    const final = await waitForTask(base, 'randomize', body.token, 120_000);
    if (final.status !== 'finished')
      throw new Error(`task ${body.token} ${String(final.status)}: ${String(final.error)}`);
    const result = await http(`${base}/randomize/${body.token}/result`);
    if (result.status !== 200) throw new Error(`result ${result.status}`);
    leadMs.push(performance.now() - t0);
    ratios.push(result.bytes.length / png.length);
  });
  return {
    imagesPerSecond: images / ((performance.now() - started) / 1000),
    p50Seconds: percentile(leadMs, 50) / 1000,
    p95Seconds: percentile(leadMs, 95) / 1000,
    sizeRatio: percentile(ratios, 50),
  };
}

async function main(): Promise<void> {
  const images = Number(arg('images', '200'));
  const clients = Number(arg('clients', '8'));
  const workers = Number(arg('workers', '1'));
  const concurrency = arg('concurrency', '2');
  const pngLevel = arg('png-level', '3');
  const imagePath = arg('image', '');
  const png = imagePath ? await readFile(imagePath) : await samplePng();
  const oldUrl = process.env.OLD_SERVICE_URL;
  const stack = await Stack.start({
    workers,
    env: { WORKER_CONCURRENCY: concurrency, PNG_COMPRESSION_LEVEL: pngLevel, LOG_LEVEL: 'warn' },
  });
  let ours: Run;
  // CPU the api and workers spent per image: unlike images/s, it hardly moves when other work
  // shares the machine, so it compares two builds on a busy one.
  let cpuMsPerImage: number;
  try {
    const pids = [stack.api, ...stack.workers].map((p) => p.proc.pid ?? 0);
    const cpu = () => pids.reduce((sum, pid) => sum + readCpuSeconds(pid), 0);
    const cpuBefore = cpu();
    ours = await drive(stack.url, png, images, clients);
    cpuMsPerImage = ((cpu() - cpuBefore) * 1000) / images;
  } finally {
    await stack.stop();
  }
  // After ours, with our processes stopped: each service has the machine to itself.
  const old = oldUrl ? await drive(oldUrl, png, images, clients) : undefined;
  const oldRate = old?.imagesPerSecond ?? OLD.imagesPerSecond;
  const oldP95 = old?.p95Seconds ?? OLD.p95Seconds;
  console.log(machineLine());
  console.log(
    `randomize: ${images} images of ${(png.length / 1024).toFixed(0)} KiB (${imagePath || 'generated sample'}), ${clients} clients, ${workers} worker(s) × concurrency ${concurrency}, PNG level ${pngLevel}`,
  );
  console.log(`old service: ${old ? `${oldUrl}, same run` : 'figures from the issue'}`);
  console.log(`| metric | this service | old service | ratio |`);
  console.log(`| --- | --- | --- | --- |`);
  console.log(
    `| images/s | ${ours.imagesPerSecond.toFixed(1)} | ${oldRate.toFixed(1)} | ${(ours.imagesPerSecond / oldRate).toFixed(1)}x |`,
  );
  console.log(
    `| lead time p50 (s) | ${ours.p50Seconds.toFixed(3)} | ${old ? old.p50Seconds.toFixed(3) : ''} | |`,
  );
  console.log(
    `| lead time p95 (s) | ${ours.p95Seconds.toFixed(3)} | ${oldP95.toFixed(3)} | ${(oldP95 / ours.p95Seconds).toFixed(1)}x lower |`,
  );
  console.log(`| api + worker CPU per image (ms) | ${cpuMsPerImage.toFixed(1)} | | |`);
  console.log(
    `| result / input size | ${ours.sizeRatio.toFixed(2)} | ${old ? old.sizeRatio.toFixed(2) : ''} | |`,
  );
  console.log(
    `targets: ≥ 5× the old service's images/s and output ≤ 1.2× input → ${ours.imagesPerSecond >= oldRate * 5 && ours.sizeRatio <= 1.2 ? 'MET' : 'NOT MET'}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
