import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanBuffer } from '../../../../../test/support/scan-buffer';
import { combineChunkResults } from './combine-chunk-results';
import { ChunkScanResult } from './even-sum.scanner';
import { joinChunkResults } from './join-chunk-results';
import { FilePart, scanFilePart, scanStoredRange } from './scan-file';
import { ScanPool } from './scan-pool';

const inThread = (part: FilePart): Promise<ChunkScanResult> => Promise.resolve(scanFilePart(part));

/** Numbers of 1..40 digits with signs and mixed separators; `bad` puts a bad token at that byte. */
function text(bytes: number, seed: number, bad?: number): Buffer {
  let a = seed;
  const next = (): number => (a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296;
  let out = '';
  while (out.length < bytes) {
    const digits = next() < 0.9 ? 1 + Math.floor(next() * 15) : 16 + Math.floor(next() * 25);
    out += next() < 0.2 ? '-' : '';
    for (let k = 0; k < digits; k++) out += String.fromCharCode(48 + Math.floor(next() * 10));
    out += ' \t\n\r,'[Math.floor(next() * 5)];
  }
  if (bad !== undefined) out = out.slice(0, bad) + 'x' + out.slice(bad + 1);
  return Buffer.from(out);
}

describe('scanFilePart', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'scan-file-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const store = (name: string, bytes: Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('joins to the whole-file answer at every split of a small file', () => {
    const bytes = text(300, 7);
    const path = store('small.txt', bytes);
    const whole = scanBuffer(bytes);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parts = [
        scanFilePart({ path, start: 0, end: cut, size: bytes.length }),
        scanFilePart({ path, start: cut, end: bytes.length, size: bytes.length }),
      ];
      expect({ cut, ...combineChunkResults(parts) }).toEqual({ cut, ...whole });
    }
  });

  it('reads a token on past its part end, across piece boundaries', () => {
    const digits = '8'.repeat(3 << 20);
    const bytes = Buffer.from(`1 ${digits} 4\n`);
    const path = store('long.txt', bytes);
    const size = bytes.length;
    const first = scanFilePart({ path, start: 0, end: 5, size });
    const second = scanFilePart({ path, start: 5, end: size, size });
    expect(combineChunkResults([first, second])).toEqual(scanBuffer(bytes));
    expect(second.count).toBe(1);
  });

  it.each([
    [7, 20_000],
    [4096, 400_000],
    [65_536, 400_000],
  ])(
    'scanStoredRange in parts of %i bytes gives the whole-file answer (%i bytes)',
    async (partBytes, fileBytes) => {
      const bytes = text(fileBytes, 11);
      const path = store(`parts-${partBytes}.txt`, bytes);
      const size = bytes.length;
      const half = Math.floor(fileBytes / 2) + 3;
      const progress: number[] = [];
      const results = [
        await scanStoredRange(
          { path, start: 0, end: half, size },
          inThread,
          (b) => progress.push(b),
          partBytes,
        ),
        await scanStoredRange(
          { path, start: half, end: size, size },
          inThread,
          undefined,
          partBytes,
        ),
      ];
      expect(combineChunkResults(results)).toEqual(scanBuffer(bytes));
      expect(progress[progress.length - 1]).toBe(half);
    },
  );

  it('stops at the first bad token: its line, the figures before it, and no part after it started', async () => {
    const bytes = text(200_000, 13, 150_000);
    const path = store('bad.txt', bytes);
    const size = bytes.length;
    const started: number[] = [];
    const result = await scanStoredRange(
      { path, start: 0, end: size, size },
      (part) => {
        started.push(part.start);
        return inThread(part);
      },
      undefined,
      4096,
    );
    const want = scanBuffer(bytes);
    expect(combineChunkResults([result])).toEqual(want);
    expect(want.error).toMatch(/^invalid token/);
    // Four parts run at once: at most the three others running beside the failed one start after it.
    expect(started.filter((s) => s > 150_000).length).toBeLessThanOrEqual(4);
  });

  it('runs on ScanPool threads with the same answer', async () => {
    const bytes = text(2_000_000, 17);
    const path = store('pool.txt', bytes);
    const size = bytes.length;
    const pool = new ScanPool(2);
    try {
      const result = await scanStoredRange(
        { path, start: 0, end: size, size },
        (part) => pool.scanFilePart(part),
        undefined,
        300_000,
      );
      expect(combineChunkResults([result])).toEqual(scanBuffer(bytes));
      expect(joinChunkResults([result]).newlines).toBe(
        scanFilePart({ path, start: 0, end: size, size }).newlines,
      );
    } finally {
      await pool.destroy();
    }
  });
});
