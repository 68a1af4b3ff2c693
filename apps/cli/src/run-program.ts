import { Command, CommanderError } from 'commander';
import { CliError, ExitCode, InterruptedError } from './exit-codes';

/**
 * Runs the program and turns its outcome into an exit code, printing the reason on stderr:
 * `error: <message>` (a server's message verbatim, with its HTTP status), or `interrupted: …`.
 */
export async function runProgram(
  program: Command,
  argv: string[],
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<ExitCode> {
  try {
    await program.parseAsync(argv);
    return ExitCode.Ok;
  } catch (err) {
    // Commander has printed its own message (and help, when asked for).
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (err instanceof InterruptedError) {
      stderr.write(`interrupted: ${err.message}\n`);
      return ExitCode.Interrupted;
    }
    stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CliError ? err.exitCode : ExitCode.Failed;
  }
}
