/**
 * Writes a file of random integers and prints its even sum:
 *   npx tsx scripts/gen-numbers.ts --size 5GB out.txt [--seed N] [--negative] [--max-digits 30] [--mixed]
 * Sizes: 100MB, 1GB (decimal, 10^6 / 10^9), 512MiB, 1.5GiB (binary), or plain bytes.
 * Progress goes to stderr; the expected result is printed to stdout as JSON at the end.
 */
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generateNumbers } from '../apps/cli/src/numbers/number-generator';
import { parseSize } from '../apps/cli/src/numbers/parse-size';

async function main(argv: string[]): Promise<void> {
  let size: number | undefined;
  let seed = 1;
  let maxDigits: number | undefined;
  let negative = false;
  let mixed = false;
  let out: string | undefined;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--size') size = parseSize(argv[++k] ?? '');
    else if (a === '--seed') seed = Number(argv[++k]);
    else if (a === '--max-digits') maxDigits = Number(argv[++k]);
    else if (a === '--negative') negative = true;
    else if (a === '--mixed') mixed = true;
    else if (!a.startsWith('--') && out === undefined) out = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (size === undefined || !out) {
    console.error(
      'usage: npx tsx scripts/gen-numbers.ts --size 5GB out.txt [--seed N] [--negative] [--max-digits 30] [--mixed]',
    );
    process.exit(2);
  }
  const total = size;
  const { stream, expected } = generateNumbers({
    bytes: total,
    seed,
    maxDigits,
    negative,
    separators: mixed ? 'mixed' : 'newline',
  });
  let written = 0;
  let shownAt = 0;
  const t0 = performance.now();
  const progress = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      const now = performance.now();
      if (now - shownAt > 1000 || written === total) {
        shownAt = now;
        const mbps = written / 1e6 / Math.max(0.001, (now - t0) / 1000);
        process.stderr.write(
          `\r${((100 * written) / Math.max(1, total)).toFixed(1)}%  ${(written / 1e6).toFixed(0)} MB  ${mbps.toFixed(0)} MB/s   `,
        );
      }
      done(null, chunk);
    },
  });
  await pipeline(stream, progress, createWriteStream(out));
  process.stderr.write('\n');
  console.log(JSON.stringify({ file: out, bytes: total, seed, ...(await expected) }));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
