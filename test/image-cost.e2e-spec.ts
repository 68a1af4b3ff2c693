import { deflateSync } from 'node:zlib';
import { withRedis } from './support/faults';
import { Stack } from './support/stack';
import { postPng } from './support/submit';

/** A CRC-32 (PNG's chunk checksum). */
function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * An all-black 8-bit gray PNG built by hand: zlib packs its rows (a filter byte and `width`
 * zero bytes each) to almost nothing, so a 1 × 16M-pixel image is a few tens of KB, as an
 * attacker's would be; sharp would take seconds to write it.
 */
function blackGrayPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // gray
  const rows = Buffer.alloc((width + 1) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('image cost estimate (real api + Redis, no worker)', () => {
  let stack: Stack;

  // No worker: the tasks stay queued, and the fair-queue clock shows what each was charged.
  beforeAll(async () => {
    stack = await Stack.start({ workers: 0 });
  });
  afterAll(() => stack?.stop());

  /** The client's finish tag in the randomize fair queue: the sum of what its images were charged. */
  const charged = () =>
    withRedis(stack, async (redis) => {
      const fields = await redis.hgetall(`${stack.prefix}:fair`);
      const key = Object.keys(fields).find((f) => /^finish:randomize:/.test(f));
      return key === undefined ? 0 : Number(fields[key]);
    });

  it('charges a 1 × 16M-pixel PNG for its 16M rows, 30 times a 4096² one of the same pixels', async () => {
    const pixels = 16_777_216;
    const square = await postPng(stack, blackGrayPng(4096, 4096));
    expect(square.status).toBe(201);
    const afterSquare = await charged();
    // 16M raw bytes at 25 KB per ms: ~0.7 s.
    expect(afterSquare).toBeGreaterThan(650);
    expect(afterSquare).toBeLessThan(700);

    const tallPng = blackGrayPng(1, pixels);
    expect(tallPng.length).toBeLessThan(100_000);
    const tall = await postPng(stack, tallPng);
    expect(tall.status).toBe(201);
    const tallCost = (await charged()) - afterSquare;
    // Measured: ~21 s of CPU (1.3 µs per row); the estimate without a row term was 0.7 s.
    expect(tallCost).toBeGreaterThan(20_000);
    expect(tallCost).toBeGreaterThan(30 * afterSquare);
  });
});
