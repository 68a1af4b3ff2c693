import type { Command } from 'commander';
import type { TaskKind } from '@app/tasks/contract';
import type { ContextFactory } from '../cli-context';
import { kindsToTry, taskOption } from './task-option';

/** `tasks status <token>`: the task's status as JSON, whatever its state (exit 0 when found). */
export function registerStatusCommand(program: Command, context: ContextFactory): void {
  program
    .command('status')
    .description("print a task's status (JSON: status, error, timestamps, durations, progress)")
    .argument('<token>', 'the token a submission printed')
    .addOption(taskOption())
    .action(async (token: string, options: { task?: TaskKind }, command: Command) => {
      const ctx = context(command);
      const { kind, status } = await ctx.client.tasks.findTask(token, kindsToTry(options.task));
      ctx.emitJson({ task: kind, token, ...status });
    });
}
