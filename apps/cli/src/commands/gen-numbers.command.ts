import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { generateNumbers } from '../numbers/number-generator';
import { integerArg, sizeArg } from '../arguments';
import type { ContextFactory } from '../cli-context';
import { InterruptedError } from '../exit-codes';

interface GenNumbersOptions {
  size: number;
  seed: number;
  maxDigits?: number;
  negative?: boolean;
  mixed?: boolean;
}

/** `tasks gen-numbers --size 5GB out.txt`: the benchmark generator, with the expected sum printed. */
export function registerGenNumbersCommand(program: Command, context: ContextFactory): void {
  program
    .command('gen-numbers')
    .description('write a file of random integers for even-sum, and print its expected sum')
    .argument('<file>', 'the file to write')
    .requiredOption(
      '--size <size>',
      'exact file size: 100MB, 5GB (powers of 10), 512MiB, 1.5GiB (powers of 2), or bytes',
      sizeArg,
    )
    .option('--seed <n>', 'generator seed: same seed and size, same file', integerArg, 1)
    .option(
      '--max-digits <n>',
      'longest ordinary numbers (up to 10); above 20, one number in 512 has 21..n digits',
      integerArg,
    )
    .option('--negative', 'one number in four negative')
    .option('--mixed', 'mixed separators: spaces, tabs, commas, CRLF, blank lines, leading zeros')
    .action(async (file: string, options: GenNumbersOptions, command: Command) => {
      const ctx = context(command);
      const { stream, expected } = generateNumbers({
        bytes: options.size,
        seed: options.seed,
        maxDigits: options.maxDigits,
        negative: options.negative,
        separators: options.mixed ? 'mixed' : 'newline',
      });
      const bar = ctx.progress({ label: 'write', unit: 'bytes', total: options.size });
      let written = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bar.update((written += chunk.length));
          done(null, chunk);
        },
      });
      try {
        await pipeline(stream, count, createWriteStream(file), { signal: ctx.signal });
        bar.complete();
      } catch (err) {
        if (!ctx.signal.aborted) throw err;
        await rm(file, { force: true });
        throw new InterruptedError(`stopped; removed the partial ${file}`);
      } finally {
        bar.stop();
      }
      const want = await expected;
      ctx.emit(want.sum, { file, bytes: options.size, seed: options.seed, ...want });
    });
}
