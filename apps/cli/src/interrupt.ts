import { ExitCode, InterruptedError } from './exit-codes';

/**
 * An AbortSignal for Ctrl-C. The first SIGINT aborts it: uploads destroy their request (the
 * server then drops what it received), waits stop, and the command ends with exit code 130.
 * A second Ctrl-C, or anything still running a few seconds later, exits at once.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted);
    controller.abort(new InterruptedError());
    setTimeout(() => process.exit(ExitCode.Interrupted), 5000).unref();
  });
  return controller.signal;
}
