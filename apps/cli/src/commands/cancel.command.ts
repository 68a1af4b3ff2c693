import type { Command } from 'commander';
import type { TaskKind } from '@app/tasks/contract';
import type { ContextFactory } from '../cli-context';
import { kindsToTry, taskOption } from './task-option';

/**
 * `tasks cancel <token>`: stops a queued or running task (its quota comes back at once), or
 * deletes an ended one with its result. Exit 0 either way; 1 (HTTP 404) when there is no such task.
 */
export function registerCancelCommand(program: Command, context: ContextFactory): void {
  program
    .command('cancel')
    .description('cancel a queued or running task, or delete a finished one and its result')
    .argument('<token>', 'the token a submission printed')
    .addOption(taskOption())
    .action(async (token: string, options: { task?: TaskKind }, command: Command) => {
      const ctx = context(command);
      const { kind, outcome } = await ctx.client.tasks.cancelTask(token, kindsToTry(options.task));
      ctx.emit(outcome === 'cancelled' ? `cancelled ${token}` : `deleted ${token} (it had ended)`, {
        task: kind,
        token,
        status: outcome,
      });
    });
}
