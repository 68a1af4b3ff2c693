import { Command, Option } from 'commander';
import { version } from '../../../package.json';
import { urlArg } from './arguments';
import { contextFactory } from './cli-context';
import { registerCancelCommand } from './commands/cancel.command';
import { registerEvenSumCommand } from './commands/even-sum.command';
import { registerGenNumbersCommand } from './commands/gen-numbers.command';
import { registerListCommand } from './commands/list.command';
import { registerRandomizeCommand } from './commands/randomize.command';
import { registerResultCommand } from './commands/result.command';
import { registerStatusCommand } from './commands/status.command';
import { Interrupt } from './interrupt';
import { runProgram } from './run-program';

const program = new Command('tasks')
  .description('Client of the task service: shuffle PNG blocks, sum the even integers of big files')
  .version(version)
  .addOption(
    new Option('--url <url>', 'service URL')
      .env('TASKS_URL')
      .default('http://localhost:5000')
      .argParser(urlArg),
  )
  .addOption(
    new Option('--api-key <key>', 'API key, sent as Authorization: Bearer <key>').env(
      'TASKS_API_KEY',
    ),
  )
  .option('--json', 'print the answer as one JSON object on stdout (for scripts)', false)
  .option(
    '--cancel-on-interrupt',
    'Ctrl-C while waiting for a task cancels it on the server without asking (without: asks on a terminal, else the task goes on)',
    false,
  )
  .showHelpAfterError('(tasks --help for usage)')
  // Throw instead of exiting, so usage errors map to exit code 2; subcommands inherit this.
  .exitOverride();

const interrupt = new Interrupt();
process.on('SIGINT', interrupt.onSigint);
const context = contextFactory(interrupt);
registerRandomizeCommand(program, context);
registerEvenSumCommand(program, context);
registerStatusCommand(program, context);
registerResultCommand(program, context);
registerCancelCommand(program, context);
registerListCommand(program, context);
registerGenNumbersCommand(program, context);

void runProgram(program, process.argv).then((code) => {
  // Exit explicitly once stdout is flushed: nothing left over (an idle pooled connection, a
  // timer) may hold the process open after the answer.
  process.stdout.write('', () => process.exit(code));
});
