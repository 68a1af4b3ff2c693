// npm run bench:even-sum -- --size 1GB [--rounds 3] [--workers 1] [--keep]
// One run, rounds interleaved so the machine's load falls on every figure alike:
//   - the C single-core scan of the file (a ~20-line loop compiled with the system cc);
//   - a minimal Node ingest of it (stream.pipeline(req, fs.createWriteStream), curl -T);
//   - the file through the service with curl -T (api + worker(s), fs storage): upload MB/s, scan
//     MB/s (bytes over the chunks' wall time), overlap (lead time − upload time: what is left after
//     the last byte), lead time, exact sum, peak RSS per process.
// Every row carries the load average it was measured under.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';
import { http, waitForTask } from '../test/support/http';
import { Stack } from '../test/support/stack';
import { arg, machineLine, percentile } from './bench/bench-util';
import { compileCScan, runCScan } from './bench/c-scan';
import { startIngestBaseline } from './bench/ingest-baseline';

/** Peak resident set (VmHWM) of a process, in MiB. */
function peakRssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** `curl -T file url`: seconds until the answer, and the answer. */
function curlUpload(
  file: string,
  url: string,
): Promise<{ seconds: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const curl = spawn('curl', ['-sS', '-T', file, '-w', '\n%{http_code}', url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    curl.stdout.on('data', (c: Buffer) => (out += c.toString()));
    curl.once('error', reject);
    curl.once('exit', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`curl exited ${code}`));
      const nl = out.lastIndexOf('\n');
      resolve({ seconds, status: Number(out.slice(nl + 1)), body: out.slice(0, nl) });
    });
  });
}

interface Round {
  load: string;
  cScanS: number;
  nodeIngestS: number;
  uploadS: number;
  leadS: number;
  scanWallS: number;
  firstScanAfterS: number;
  exact: boolean;
}

async function main(): Promise<void> {
  const size = parseSize(arg('size', '1GB'));
  const workers = Number(arg('workers', '1'));
  const rounds = Number(arg('rounds', size > 2e9 ? '1' : '3'));
  const dir = join(__dirname, '..', 'tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-numbers-${size}.txt`);
  const MB = size / 1e6;

  console.log(machineLine());
  process.stderr.write(`generating ${size} bytes into ${file}\n`);
  const { stream, expected } = generateNumbers({ bytes: size, seed: 2026 });
  await pipeline(stream, createWriteStream(file));
  const want = await expected;
  const bin = compileCScan(dir);

  const baseline = await startIngestBaseline(dir);
  const stack = await Stack.start({
    workers,
    env: { LOG_LEVEL: 'warn', MAX_UPLOAD_BYTES: String(size + 1) },
  });
  const results: Round[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const roundLoad = load();
      const c = runCScan(bin, file);
      if (c.sum !== want.sum) throw new Error(`C scan: ${c.sum}, want ${want.sum}`);
      const node = await curlUpload(file, baseline.url);
      if (node.status !== 201) throw new Error(`baseline ingest: ${node.status} ${node.body}`);

      const t0 = Date.now();
      const reply = await curlUpload(file, `${stack.url}/even-sum`);
      if (reply.status !== 201) throw new Error(`upload: ${reply.status} ${reply.body}`);
      const token = (JSON.parse(reply.body) as { token: string }).token;
      const status = await waitForTask(stack.url, 'even-sum', token, 3_600_000);
      const result = await http(`${stack.url}/even-sum/${token}/result`);
      const exact =
        result.body.sum === want.sum &&
        result.body.evenCount === want.evenCount &&
        result.body.count === want.count;
      if (!exact)
        console.log(
          `round ${r + 1}: NOT EXACT: got ${JSON.stringify(result.body)}, want ${JSON.stringify(want)}`,
        );
      const leadS = (status.leadTimeMs as number) / 1000;
      const scanWallS = (status.wallMs as number) / 1000;
      const finishedAt = Date.parse(status.finishedAt as string);
      results.push({
        load: roundLoad,
        cScanS: c.seconds,
        nodeIngestS: node.seconds,
        uploadS: reply.seconds,
        leadS,
        scanWallS,
        // The first chunk started at finishedAt − wallMs (the chunks' wall time).
        firstScanAfterS: (finishedAt - scanWallS * 1000 - t0) / 1000,
        exact,
      });
      process.stderr.write(`round ${r + 1}/${rounds} done\n`);
    }
    const rss = [
      ['api', peakRssMiB(stack.api.proc.pid)],
      ...stack.workers.map((w, i) => [`worker ${i + 1}`, peakRssMiB(w.proc.pid)]),
      ['minimal Node ingest', peakRssMiB(baseline.proc.pid)],
    ] as [string, number][];

    console.log(
      `\nfile ${(size / 1e9).toFixed(2)} GB, ${want.count} integers; ${workers} worker(s), default WORKER_CONCURRENCY; fs storage; curl -T\n`,
    );
    console.log(
      '| round | load (1/5/15 min) | C scan MB/s | Node ingest MB/s | upload MB/s | upload / Node | scan MB/s | scan / C | first chunk starts (s) | upload (s) | lead time (s) | overlap = lead − upload (s) | exact |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    results.forEach((x, i) =>
      console.log(
        `| ${i + 1} | ${x.load} | ${(MB / x.cScanS).toFixed(0)} | ${(MB / x.nodeIngestS).toFixed(0)} | ${(MB / x.uploadS).toFixed(0)} | ${(x.nodeIngestS / x.uploadS).toFixed(2)} | ${(MB / x.scanWallS).toFixed(0)} | ${(x.cScanS / x.scanWallS).toFixed(2)} | ${x.firstScanAfterS.toFixed(2)} | ${x.uploadS.toFixed(2)} | ${x.leadS.toFixed(2)} | ${(x.leadS - x.uploadS).toFixed(2)} | ${x.exact ? 'yes' : 'NO'} |`,
      ),
    );
    const med = (f: (x: Round) => number) => {
      const v = results.map(f);
      return `${percentile(v, 50).toFixed(2)} (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`;
    };
    console.log('\nmedian (min–max) over rounds:');
    console.log(`- C scan MB/s: ${med((x) => MB / x.cScanS)}`);
    console.log(`- minimal Node ingest MB/s: ${med((x) => MB / x.nodeIngestS)}`);
    console.log(
      `- upload MB/s: ${med((x) => MB / x.uploadS)}; upload / Node ingest: ${med((x) => x.nodeIngestS / x.uploadS)}`,
    );
    console.log(
      `- scan MB/s (chunks' wall time): ${med((x) => MB / x.scanWallS)}; / C single core: ${med((x) => x.cScanS / x.scanWallS)}`,
    );
    console.log(
      `- lead time s: ${med((x) => x.leadS)}; / Node ingest time: ${med((x) => x.leadS / x.nodeIngestS)}`,
    );
    console.log(`- overlap (lead − upload) s: ${med((x) => x.leadS - x.uploadS)}`);
    console.log(`- first chunk started, s after the request: ${med((x) => x.firstScanAfterS)}`);
    console.log(`- exact: ${results.every((x) => x.exact) ? 'yes' : 'NO'} (${want.sum})`);
    console.log(`- peak RSS (MiB): ${rss.map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ')}`);
    console.log(`- load after: ${load()}`);
    if (!results.every((x) => x.exact)) process.exitCode = 1;
  } finally {
    await stack.stop();
    await baseline.stop();
    if (!process.argv.includes('--keep')) rmSync(file, { force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
