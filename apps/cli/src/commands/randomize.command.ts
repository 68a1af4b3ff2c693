import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'node:path';
import type { Command } from 'commander';
import { TaskKind } from '@app/tasks/contract';
import { integerArg } from '../arguments';
import type { ContextFactory } from '../cli-context';
import { formatBytes } from '../format';
import { inputFileSize } from '../input-file';
import { waitForTask } from '../wait-for-task';
import { submitWithRetries } from '../upload/retry-submission';
import { waitOrCancel } from '../cancel-on-interrupt';

interface RandomizeOptions {
  output?: string;
  blockSize?: number;
  seed?: number;
  callbackUrl?: string;
  wait: boolean;
}

/** `tasks randomize cat.png -o out.png`: submit, wait, write the shuffled PNG. */
export function registerRandomizeCommand(program: Command, context: ContextFactory): void {
  program
    .command('randomize')
    .description('shuffle the blocks of a PNG: submits it, waits, writes the result')
    .argument('<image>', 'PNG file')
    .option(
      '-o, --output <file>',
      'where to write the shuffled PNG (default: <image name>.randomized.png)',
    )
    .option(
      '--block-size <pixels>',
      'block edge in pixels, 8..1024 (server default 60)',
      integerArg,
    )
    .option(
      '--seed <n>',
      'shuffle seed, 0..4294967295: same seed and image, same output',
      integerArg,
    )
    .option(
      '--callback-url <url>',
      'URL the service POSTs (signed, Standard Webhooks) when the task ends',
    )
    .option('--no-wait', 'print the token and exit')
    .action(async (image: string, options: RandomizeOptions, command: Command) => {
      const ctx = context(command);
      await inputFileSize(image);
      // Images are capped at MAX_IMAGE_BYTES (20 MiB by default): reading one into memory is fine.
      const png = await readFile(image);
      const query = {
        blockSize: options.blockSize,
        seed: options.seed,
        callbackUrl: options.callbackUrl,
      };
      // One Idempotency-Key for the submission and its retries: never two tasks for one image.
      const token = await submitWithRetries(
        ctx.client.signal,
        (key) => ctx.client.tasks.submitRandomize(png, query, key),
        (err) => ctx.info(`submission failed (${err.message}); retrying`),
      );
      if (!options.wait) return ctx.emit(token, { token });
      ctx.info(`submitted ${token}, waiting`);
      await waitOrCancel(ctx, TaskKind.Randomize, token, () =>
        waitForTask(ctx.client, TaskKind.Randomize, token),
      );
      const result = await ctx.client.tasks.randomizeResult(token);
      if (!result) throw new Error(`task ${token} finished but its result is gone (expired?)`);
      const output = options.output ?? `${parse(image).name}.randomized.png`;
      await writeFile(output, result);
      ctx.emit(`wrote ${output} (${formatBytes(result.length)})`, {
        token,
        output,
        bytes: result.length,
      });
    });
}
