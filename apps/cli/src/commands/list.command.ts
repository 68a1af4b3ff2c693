import { Option, type Command } from 'commander';
import { TASK_STATUSES } from '@app/tasks/contract';
import type { TaskKind, TaskListEntryView, TaskStatus } from '@app/tasks/contract';
import { TASK_KINDS } from '../api';
import { integerArg } from '../arguments';
import type { ContextFactory } from '../cli-context';
import { formatBytes } from '../format';

interface ListOptions {
  kind?: TaskKind;
  status?: TaskStatus;
  limit?: number;
  cursor?: string;
}

/**
 * `tasks list`: one page of the caller's tasks, newest first, one per line (token, kind, status,
 * requested, size); --json prints the api's answer. The next page's command goes to stderr.
 */
export function registerListCommand(program: Command, context: ContextFactory): void {
  program
    .command('list')
    .description('list your tasks, newest first (until each expires)')
    .addOption(new Option('--kind <kind>', 'only tasks of this kind').choices(TASK_KINDS))
    .addOption(new Option('--status <status>', 'only tasks in this state').choices(TASK_STATUSES))
    .option('--limit <n>', 'tasks per page, 1..100 (server default 20)', integerArg)
    .option('--cursor <cursor>', 'the next page, as a previous listing printed it')
    .action(async (options: ListOptions, command: Command) => {
      const ctx = context(command);
      const page = await ctx.client.tasks.list(options);
      if (ctx.json) ctx.emitJson(page);
      else for (const task of page.tasks) process.stdout.write(`${line(task)}\n`);
      if (!ctx.json && page.tasks.length === 0) ctx.info('no tasks');
      if (page.nextCursor) ctx.info(`more: tasks list --cursor ${page.nextCursor}`);
    });
}

function line(task: TaskListEntryView): string {
  const size = task.bytes === undefined ? '' : formatBytes(task.bytes);
  return [task.token, task.kind.padEnd(9), task.status.padEnd(9), task.requestedAt, size]
    .join('  ')
    .trimEnd();
}
