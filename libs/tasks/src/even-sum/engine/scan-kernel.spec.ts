import wabt from 'wabt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanBuffer } from '../../../../../test/support/scan-buffer';
import { stateSum } from './exact-sum';
import { fastScan } from './fast-scan';
import { KERNEL_PAD, KERNEL_PIECE, kernelScan, kernelScratch, kernelView } from './scan-kernel';
import { SCAN_KERNEL_WASM } from './scan-kernel.wasm';
import { createScanState } from './scan-state';

// A small deterministic generator (mulberry32): a failing case is reproducible from its seed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEPARATORS = [...' \t\n\v\f\r,'];
const JUNK = ['a', 'x', '.', '_', '\0', '\x7f', '\x80', '\xff', '\xbb', 'e', '-', '+', '/', ':'];

/** Random text: numbers of every length around the kernel's 15-digit limit, signs, leading zeros, every separator, and (when `bad`) junk. */
function randomText(next: () => number, bytes: number, bad: boolean): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  let out = '';
  while (out.length < bytes) {
    const r = next();
    let digits =
      r < 0.6
        ? 1 + Math.floor(next() * 15)
        : r < 0.85
          ? 14 + Math.floor(next() * 4)
          : 1 + Math.floor(next() * 40);
    let token = next() < 0.15 ? pick(['-', '+']) : '';
    if (next() < 0.1) {
      const zeros = 1 + Math.floor(next() * 20);
      token += '0'.repeat(zeros);
      digits = Math.max(1, digits - zeros);
    }
    for (let k = 0; k < digits; k++) token += String.fromCharCode(48 + Math.floor(next() * 10));
    if (bad && next() < 0.03) {
      const at = Math.floor(next() * (token.length + 1));
      token = token.slice(0, at) + pick(JUNK) + token.slice(at);
    }
    out += token;
    const seps = next() < 0.8 ? 1 : 1 + Math.floor(next() * 3);
    for (let k = 0; k < seps; k++) out += next() < 0.7 ? '\n' : pick(SEPARATORS);
  }
  // A leading EF would start a BOM, which only the chunk at 0 handles: not what this compares.
  return out.replace(/^\xef/, '1');
}

/** The plain way: split on separators, BigInt per token; the figures stop at the first bad token. */
function reference(text: string): { sum: string; evenCount: number; count: number; at?: string } {
  let sum = 0n;
  let evenCount = 0;
  let count = 0;
  const re = /[^ \t\n\v\f\r,]+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (!/^[+-]?[0-9]+$/.test(m[0])) {
      const line = 1 + (text.slice(0, m.index).match(/\n/g)?.length ?? 0);
      return { sum: sum.toString(), evenCount, count, at: `at byte ${m.index} (line ${line})` };
    }
    const value = BigInt(m[0]);
    count++;
    if (value % 2n === 0n) {
      sum += value;
      evenCount++;
    }
  }
  return { sum: sum.toString(), evenCount, count };
}

describe('scan kernel', () => {
  it('is the assembly of scan-kernel.wat (run npm run build:scan-kernel after editing it)', async () => {
    const source = readFileSync(join(__dirname, 'scan-kernel.wat'), 'utf8');
    const module = (await wabt()).parseWat('scan-kernel.wat', source);
    const binary = module.toBinary({ log: false, write_debug_names: false }).buffer;
    module.destroy();
    expect(Buffer.from(SCAN_KERNEL_WASM, 'base64').equals(Buffer.from(binary))).toBe(true);
  });

  it('keeps fastScan contract: same stop, counts, newlines and exact sum on random input', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const next = rng(seed);
      const text = randomText(next, 1 + Math.floor(next() * 600), next() < 0.5);
      const bytes = Buffer.from(text, 'latin1');
      const n = bytes.length;
      // Any start (a token start, a separator, or inside a token) and any limit up to the end.
      const from = next() < 0.5 ? 0 : Math.floor(next() * n);
      const lim = from + Math.floor(next() * (n - from + 1));
      kernelScratch.set(bytes);
      kernelScratch.fill(0, n, n + KERNEL_PAD);
      const viaKernel = createScanState({ start: 0, end: n });
      const viaJs = createScanState({ start: 0, end: n });
      const stopKernel = kernelScan(viaKernel, from, lim);
      const stopJs = fastScan(viaJs, kernelView, from, lim);
      const summary = (stop: number, st: typeof viaJs): unknown => ({
        stop,
        count: st.count,
        evenCount: st.evenCount,
        newlines: st.newlines,
        sum: stateSum(st),
      });
      expect({ seed, ...(summary(stopKernel, viaKernel) as object) }).toEqual({
        seed,
        ...(summary(stopJs, viaJs) as object),
      });
    }
  });

  it('gives the plain answer, and the first bad token, at random slice splits', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const next = rng(seed);
      const text = randomText(next, 1 + Math.floor(next() * 20_000), next() < 0.5);
      const bytes = Buffer.from(text, 'latin1');
      const slice = 1 + Math.floor(next() * (next() < 0.5 ? 64 : bytes.length));
      const { at, ...figures } = reference(text);
      const result = scanBuffer(bytes, slice);
      expect({ seed, ...result, error: undefined }).toEqual({ seed, ...figures, error: undefined });
      if (at) expect(result.error).toContain(at);
      else expect(result.error).toBeUndefined();
    }
  });

  it('scans a piece that fills the kernel memory, up to its last byte', () => {
    const unit = '123456789012345\n';
    const bytes = Buffer.from(unit.repeat(KERNEL_PIECE / unit.length));
    expect(bytes.length).toBe(KERNEL_PIECE);
    const count = KERNEL_PIECE / unit.length;
    expect(scanBuffer(bytes, KERNEL_PIECE)).toEqual({ sum: '0', evenCount: 0, count });
    const evens = Buffer.from('999999999999998\n'.repeat(count));
    expect(scanBuffer(evens, KERNEL_PIECE)).toEqual({
      sum: (999999999999998n * BigInt(count)).toString(),
      evenCount: count,
      count,
    });
  });
});
