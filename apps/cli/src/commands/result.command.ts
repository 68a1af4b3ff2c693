import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TaskKind } from '@app/tasks/contract';
import type { ContextFactory } from '../cli-context';
import { UsageError } from '../exit-codes';
import { formatBytes } from '../format';
import { waitForEvenSum, waitForTask } from '../wait-for-task';
import { kindsToTry, taskOption } from './task-option';

interface ResultOptions {
  output?: string;
  task?: TaskKind;
}

/** `tasks result <token> [-o file]`: waits for the task if needed, then writes or prints its result. */
export function registerResultCommand(program: Command, context: ContextFactory): void {
  program
    .command('result')
    .description(
      'wait for a task if it is still running, then write its PNG (randomize) or print its sum (even-sum)',
    )
    .argument('<token>', 'the token a submission printed')
    .option(
      '-o, --output <file>',
      'write the result here (the PNG; for even-sum, the result as JSON)',
    )
    .addOption(taskOption())
    .action(async (token: string, options: ResultOptions, command: Command) => {
      const ctx = context(command);
      const { kind } = await ctx.client.tasks.findTask(token, kindsToTry(options.task));
      if (kind === TaskKind.Randomize) {
        if (!options.output && process.stdout.isTTY)
          throw new UsageError('a PNG result needs -o <file> (or stdout redirected to a file)');
        await waitForTask(ctx.client, kind, token);
        const png = await ctx.client.tasks.randomizeResult(token);
        if (!png) throw new Error(`task ${token} finished but its result is gone (expired?)`);
        if (!options.output) return void process.stdout.write(png);
        await writeFile(options.output, png);
        return ctx.emit(`wrote ${options.output} (${formatBytes(png.length)})`, {
          token,
          output: options.output,
          bytes: png.length,
        });
      }
      await waitForEvenSum(ctx.client, token, ctx.progress);
      const result = await ctx.client.tasks.evenSumResult(token);
      if (!result) throw new Error(`task ${token} finished but its result is gone (expired?)`);
      if (!options.output) return ctx.emit(result.sum, { token, ...result });
      await writeFile(options.output, `${JSON.stringify({ token, ...result }, null, 2)}\n`);
      ctx.emit(`wrote ${options.output}`, { token, output: options.output, ...result });
    });
}
