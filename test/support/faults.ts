import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type Redis from 'ioredis';
import { decodePng } from './images';
import type { Stack } from './stack';

/** Runs `fn` with a fresh client on the stack's Redis and always disconnects it. */
export async function withRedis<T>(stack: Stack, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = stack.redis();
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Every file (recursively) in a DATA_DIR, readiness probes excluded. */
export function storedFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.probe'))
    .map((entry) => `${entry.parentPath}/${entry.name}`);
}

/** Every entry (files and directories) directly or indirectly under a DATA_DIR, readiness probes excluded. */
export function storedEntries(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => !name.split('/').pop()!.startsWith('.probe'));
}

/** SHA-1 of each full `size`×`size` block of a decoded image (row-major): cheap multiset comparisons of big images. */
export function blockHashes(
  img: { data: Buffer; width: number; height: number; channels: number },
  size: number,
): string[] {
  const hashes: string[] = [];
  for (let by = 0; by < Math.floor(img.height / size); by++) {
    for (let bx = 0; bx < Math.floor(img.width / size); bx++) {
      const hash = createHash('sha1');
      for (let y = 0; y < size; y++) {
        const from = ((by * size + y) * img.width + bx * size) * img.channels;
        hash.update(img.data.subarray(from, from + size * img.channels));
      }
      hashes.push(hash.digest('hex'));
    }
  }
  return hashes;
}

type Decoded = { width: number; height: number; channels: number; hashes: string[] };
const decodedInputs = new WeakMap<Buffer, Map<number, Decoded>>();

async function hashed(png: Buffer, size: number): Promise<Decoded> {
  const img = await decodePng(png);
  return {
    width: img.width,
    height: img.height,
    channels: img.channels,
    hashes: blockHashes(img, size),
  };
}

/** Checks `output` is `input` with its full blocks permuted (same size, same multiset, another order). */
export async function expectShuffled(input: Buffer, output: Buffer, size = 60): Promise<void> {
  // The same big input is often checked several times: decode it once.
  const bySize = decodedInputs.get(input) ?? new Map<number, Decoded>();
  decodedInputs.set(input, bySize);
  const before = bySize.get(size) ?? (await hashed(input, size));
  bySize.set(size, before);
  const after = await hashed(output, size);
  expect([after.width, after.height, after.channels]).toEqual([
    before.width,
    before.height,
    before.channels,
  ]);
  const a = after.hashes;
  const b = before.hashes;
  expect([...a].sort()).toEqual([...b].sort());
  expect(a).not.toEqual(b);
}

/** The blob key of a finished randomize task's result, as its record names it. */
export async function resultKeyOf(stack: Stack, token: string): Promise<string> {
  const key = await withRedis(stack, (r) => r.hget(`${stack.prefix}:task:${token}`, 'resultKey'));
  if (!key) throw new Error(`task ${token} names no result`);
  return key;
}
