import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recycleDecimalBytes } from './bytes-pool';
import { combineChunkResults } from './combine-chunk-results';
import { createScanState, finishScan } from './even-sum.scanner';
import { generateNumbers } from '../../../../../apps/cli/src/numbers/number-generator';
import { ScanPool } from './scan-pool';
import { ReadRange, scanRange } from './scan-range';
import { scanBuffer } from '../../../../../test/support/scan-buffer';

describe(ScanPool.name, () => {
  let sut: ScanPool;
  let data: Buffer;

  beforeAll(async () => {
    sut = new ScanPool(2);
    const parts: Buffer[] = [];
    for await (const part of generateNumbers({
      bytes: 3_000_000,
      seed: 11,
      negative: true,
      maxDigits: 30,
      separators: 'mixed',
    }).stream)
      parts.push(part as Buffer);
    data = Buffer.concat(parts);
  });
  afterAll(() => sut.destroy());

  it('gives the in-thread result for one or several ranges scanned on worker threads', async () => {
    // Views into one big buffer, in odd sizes (gathered into parts, copied), and owned 1 MiB
    // pieces (transferred as they are).
    const readViews: ReadRange = async function* (start, end) {
      for (let at = start; at < end; at += 99_999) {
        yield data.subarray(at, Math.min(end, at + 99_999));
      }
    };
    const readOwned: ReadRange = async function* (start, end) {
      for (let at = start; at < end; at += 1 << 20) {
        yield Buffer.from(data.subarray(at, Math.min(end, at + (1 << 20))));
      }
    };
    const viaPool = sut.scanSlice.bind(sut);
    const size = data.length;
    const whole = scanBuffer(data);
    for (const bounds of [
      [0, size],
      [0, 1_000_003, 1_000_004, 2_345_678, size],
    ]) {
      for (const read of [readViews, readOwned]) {
        const results = await Promise.all(
          bounds
            .slice(1)
            .map((end, k) => scanRange(read, { start: bounds[k], end, size }, viaPool)),
        );
        expect([bounds, combineChunkResults(results)]).toEqual([bounds, whole]);
      }
    }
    expect(data.subarray(0, 10).toString()).toBe(data.toString('latin1', 0, 10)); // still attached
  });

  it('transfers a buffer it owns whole and copies a view into a larger one', async () => {
    const owned = new Uint8Array(Buffer.from('2 4 6\n'));
    const view = Buffer.from('xx8 10\n').subarray(2);
    const state = createScanState({ start: 0, end: 6 });
    const first = await sut.scanSlice(state, owned);
    expect(owned.byteLength).toBe(0); // detached: moved to the worker, not copied
    expect(first.done).toBe(true);
    expect(first.state).toMatchObject({ count: 3, evenCount: 3 });
    const other = createScanState({ start: 0, end: 5 });
    await sut.scanSlice(other, view);
    expect(view.toString()).toBe('8 10\n');
  });

  it("moves the state's arrays to the worker and back, not copies", async () => {
    const text = '8' + '3'.repeat(40) + '4 ' + '7'.repeat(50);
    const state = createScanState({ start: 0, end: 1000 });
    const first = await sut.scanSlice(state, Buffer.from(text.slice(0, 70)));
    expect(first.state.tokGroupCount).toBeGreaterThan(0); // a sum in limbs, a token open
    const { big, tokGroups } = first.state;
    const second = await sut.scanSlice(first.state, Buffer.from(text.slice(70) + ' 2'));
    expect([big.byteLength, tokGroups.byteLength]).toEqual([0, 0]); // detached: moved away
    expect(second.state.big.byteLength).toBeGreaterThan(0);
    const result = combineChunkResults([finishScan(second.state)]);
    expect(result).toEqual(scanBuffer(Buffer.from(text + ' 2')));
  });

  it("gives a stored part's long sum as a Buffer of its exact digits, and a short one as a string", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-pool-'));
    try {
      // 200,000 digits, even: more than LONG_SUM_DIGITS, so bytes; then two short numbers.
      const digits = '7' + '1234567890'.repeat(20_000).slice(1);
      const long = join(dir, 'long.txt');
      writeFileSync(long, `${digits}\n-3 12\n`);
      const size = statSync(long).size;
      const result = await sut.scanFilePart({ path: long, start: 0, end: size, size });
      expect(Buffer.isBuffer(result.sum)).toBe(true);
      expect(result.sum.toString('latin1')).toBe((BigInt(digits) + 12n).toString());
      expect(result).toMatchObject({ count: 3, evenCount: 2 });
      const short = join(dir, 'short.txt');
      writeFileSync(short, '2 4 -8\n');
      expect(await sut.scanFilePart({ path: short, start: 0, end: 7, size: 7 })).toMatchObject({
        sum: '-2',
        count: 3,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays exact scanning long sums one after another in recycled memory (limbs and digits reused)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-pool-'));
    try {
      // Longer, shorter, negative, longer again: every reused array and buffer holds leftovers.
      const runs = [300_000, 90_000, -200_000, 310_000].map((n, k) => {
        const digits = String(k + 1) + '9081726354'.repeat(Math.abs(n) / 10).slice(1);
        return (n < 0 ? '-' : '') + digits;
      });
      for (const [k, text] of [...runs, ...runs].entries()) {
        const path = join(dir, `run-${k}.txt`);
        writeFileSync(path, `${text}\n`);
        const size = statSync(path).size;
        const result = await sut.scanFilePart({ path, start: 0, end: size, size });
        expect(result.sum.toString('latin1')).toBe(BigInt(text).toString());
        if (typeof result.sum !== 'string') recycleDecimalBytes(result.sum);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects work after destroy', async () => {
    const pool = new ScanPool(1);
    await pool.destroy();
    const state = createScanState({ start: 0, end: 1 });
    await expect(pool.scanSlice(state, new Uint8Array([50]))).rejects.toThrow(
      'ScanPool is destroyed',
    );
  });
});
