import { ChunkReadiness } from './chunk-readiness';
import { ReadRange, scanRange } from './scan-range';

/** Reads [start, end) of `data`, refusing any byte at or past `limit` (what is stored so far). */
function reader(data: Uint8Array, limit: number): ReadRange {
  return async function* (start, end) {
    if (end > limit) throw new Error(`read past the stored bytes: [${start}, ${end}) > ${limit}`);
    if (end > start) yield data.subarray(start, end);
  };
}

/** A seeded text of numbers, separators, CRLFs, long tokens and now and then a bad token. */
function sample(seed: number, length: number, bad: boolean): Uint8Array {
  let s = seed;
  const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const digits = rnd(20) === 0 ? 30 + rnd(60) : 1 + rnd(6);
    let token = (rnd(4) === 0 ? '-' : '') + Array.from({ length: digits }, () => rnd(10)).join('');
    if (bad && rnd(200) === 0) token += 'x';
    const sep = [' ', '\n', '\r\n', ',', '\t', '\r', '  '][rnd(7)];
    parts.push(token, sep);
    size += token.length + sep.length;
  }
  return new TextEncoder().encode(parts.join('').slice(0, length));
}

describe(ChunkReadiness.name, () => {
  it.each([
    [1, 7, false],
    [2, 16, false],
    [3, 50, false],
    [4, 13, true],
    [5, 64, true],
  ])(
    'hands out only chunks whose scan on the bytes stored so far equals their scan on the whole file (seed %i, chunk %i bytes, bad tokens %s)',
    async (seed, chunkBytes, bad) => {
      const data = sample(seed, 3000, bad);
      const sut = new ChunkReadiness(chunkBytes);
      let s = seed;
      let stored = 0;
      let handed = 0;
      while (stored < data.length) {
        s = (s * 48271) % 2147483647;
        const batchBytes = Math.min(data.length - stored, 1 + (s % 97));
        const batch = [data.subarray(stored, stored + batchBytes)];
        stored += batchBytes;
        for (const chunk of sut.stored(stored, batch)) {
          expect(chunk.index).toBe(handed++);
          expect(chunk.start).toBe(chunk.index * chunkBytes);
          expect(chunk.end).toBe(chunk.start + chunkBytes);
          expect(chunk.end).toBeLessThan(data.length);
          const early = await scanRange(reader(data, stored), { ...chunk, size: stored });
          const whole = await scanRange(reader(data, data.length), {
            ...chunk,
            size: data.length,
          });
          expect(early).toEqual(whole);
        }
      }
      // Most chunks come early; the last one (and those under a final long token) never do.
      expect(handed).toBeGreaterThan(Math.ceil(data.length / chunkBytes) / 2);
      expect(handed).toBeLessThan(Math.ceil(data.length / chunkBytes));
    },
  );

  it('waits for a separator past the chunk end, however long the token running over it', () => {
    const sut = new ChunkReadiness(4);
    const text = new TextEncoder().encode('12 45678901234 5');
    expect(sut.stored(6, [text.subarray(0, 6)])).toEqual([]);
    expect(sut.stored(14, [text.subarray(6, 14)])).toEqual([]);
    expect(sut.stored(15, [text.subarray(14, 15)])).toEqual([
      { index: 0, start: 0, end: 4 },
      { index: 1, start: 4, end: 8 },
      { index: 2, start: 8, end: 12 },
    ]);
    expect(sut.count).toBe(3);
  });
});
