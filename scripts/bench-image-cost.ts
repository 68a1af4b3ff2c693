/**
 * What a randomize job costs, by image shape: npx tsx scripts/bench-image-cost.ts [--runs 3]
 *
 * Runs the worker's real steps (PngCodec.decode, shuffleBlocks, PngCodec.encode, blockSize 60)
 * on synthetic PNGs of many widths, heights and channel counts, and fits
 * CPU ms = a + b · rawBytes + c · height by least squares. Process CPU time (libvips runs in
 * libuv threads of this process) is measured rather than wall time, so a busy machine skews
 * the figures less. The ratio c / b (raw bytes a row costs beyond its pixels) is what the
 * cost estimate (unitCost.image) uses.
 */
import sharp from 'sharp';
import type { AppConfig } from '@app/tasks/config';
import { blockPermutation, PngCodec, blockGrid, shuffleBlocks } from '@app/tasks/randomize';
import { arg, machineLine } from './bench/bench-util';

type Shape = [width: number, height: number, channels: 1 | 2 | 3 | 4];

const SHAPES: Shape[] = [
  [1, 262_144, 1],
  [1, 262_144, 3],
  [1, 1_048_576, 3],
  [1, 1_048_576, 4],
  [2, 524_288, 3],
  [8, 131_072, 3],
  [60, 65_536, 3],
  [60, 17_476, 1],
  [256, 16_384, 3],
  [1024, 1024, 3],
  [1024, 1024, 4],
  [2048, 2048, 3],
  [4096, 1024, 3],
  [1_048_576, 1, 3],
  [262_144, 4, 4],
];

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A PNG of noisy gradients (compresses like a photo, not like a flat fill). */
async function makePng([width, height, channels]: Shape): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * channels);
  let x = 1;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = (i & 0x7f) + (x & 0x0f);
  }
  return sharp(raw, { raw: { width, height, channels }, limitInputPixels: false }).png().toBuffer();
}

/** Least squares for y = a + b·x1 + c·x2 (normal equations, Cramer's rule). */
function fit(rows: { x1: number; x2: number; y: number }[]): [number, number, number] {
  const s = { n: 0, x1: 0, x2: 0, x1x1: 0, x1x2: 0, x2x2: 0, y: 0, x1y: 0, x2y: 0 };
  for (const { x1, x2, y } of rows) {
    s.n++;
    s.x1 += x1;
    s.x2 += x2;
    s.x1x1 += x1 * x1;
    s.x1x2 += x1 * x2;
    s.x2x2 += x2 * x2;
    s.y += y;
    s.x1y += x1 * y;
    s.x2y += x2 * y;
  }
  const m = [
    [s.n, s.x1, s.x2],
    [s.x1, s.x1x1, s.x1x2],
    [s.x2, s.x1x2, s.x2x2],
  ];
  const v = [s.y, s.x1y, s.x2y];
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  const col = (k: number) => m.map((row, r) => row.map((cell, c) => (c === k ? v[r] : cell)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('runs', '3')));
  const codec = new PngCodec({ maxImagePixels: 2 ** 30, pngCompressionLevel: 3 } as AppConfig);
  console.log(machineLine());
  console.log(
    '| width × height × channels | PNG bytes | raw bytes | decode ms | shuffle ms | encode ms | total CPU ms |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rows: { x1: number; x2: number; y: number }[] = [];
  for (const shape of SHAPES) {
    const png = await makePng(shape);
    const samples: number[][] = [];
    for (let r = 0; r < runs; r++) {
      let t = cpuMs();
      const { image, format } = await codec.decode(png);
      const decode = cpuMs() - t;
      t = cpuMs();
      const { cols, rows: blockRows } = blockGrid(image.width, image.height, 60);
      const data = shuffleBlocks(image, 60, blockPermutation(cols * blockRows, 1));
      const shuffle = cpuMs() - t;
      t = cpuMs();
      await codec.encode({ ...image, data }, format);
      const encode = cpuMs() - t;
      samples.push([decode, shuffle, encode, decode + shuffle + encode]);
    }
    samples.sort((a, b) => a[3] - b[3]);
    const [decode, shuffle, encode, total] = samples[Math.floor(samples.length / 2)];
    const [w, h, ch] = shape;
    const raw = w * h * ch;
    rows.push({ x1: raw, x2: h, y: total });
    console.log(
      `| ${w} × ${h} × ${ch} | ${png.length} | ${raw} | ${decode.toFixed(0)} | ${shuffle.toFixed(0)} | ${encode.toFixed(0)} | ${total.toFixed(0)} |`,
    );
  }
  const [a, b, c] = fit(rows);
  console.log('');
  console.log(
    `fit: CPU ms = ${a.toFixed(2)} + rawBytes / ${(1 / b).toFixed(0)} + height × ${(c * 1000).toFixed(3)} µs`,
  );
  console.log(`a row costs as much as ${(c / b).toFixed(0)} raw bytes of pixels`);
}

void main();
