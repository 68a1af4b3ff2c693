import { ExitCode, InterruptedError } from './exit-codes';

/**
 * Ctrl-C. The first SIGINT aborts `signal`: uploads destroy their request (the server then drops
 * what it received), waits stop, and the command ends with exit code 130. A second Ctrl-C, or
 * anything still running a few seconds later, exits at once, except while `hold` asks the person
 * at the terminal something: then there is no deadline, and another Ctrl-C answers the question
 * (its `again` signal) instead of killing the process.
 */
export class Interrupt {
  private readonly controller = new AbortController();
  private forcedExit?: NodeJS.Timeout;
  private again?: AbortController;

  constructor(
    private readonly exit: (code: number) => void = (code) => process.exit(code),
    private readonly graceMs = 5000,
  ) {}

  /** Aborted by the first Ctrl-C (its reason an InterruptedError). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The SIGINT handler: `process.on('SIGINT', interrupt.onSigint)`. */
  readonly onSigint = (): void => {
    if (this.again) return this.again.abort();
    if (this.controller.signal.aborted) return this.exit(ExitCode.Interrupted);
    this.controller.abort(new InterruptedError());
    this.armForcedExit();
  };

  /** Runs `during` without the forced exit; a Ctrl-C meanwhile aborts its `again` signal. */
  async hold<T>(during: (again: AbortSignal) => Promise<T>): Promise<T> {
    clearTimeout(this.forcedExit);
    const again = (this.again = new AbortController());
    try {
      return await during(again.signal);
    } finally {
      this.again = undefined;
      if (this.controller.signal.aborted) this.armForcedExit();
    }
  }

  private armForcedExit(): void {
    clearTimeout(this.forcedExit);
    this.forcedExit = setTimeout(() => this.exit(ExitCode.Interrupted), this.graceMs);
    this.forcedExit.unref();
  }
}
