/** The CLI's exit codes: scripts branch on these, so they never change meaning. */
export enum ExitCode {
  Ok = 0,
  /** The task ended errored, or the server refused the request (its message is printed). */
  Failed = 1,
  /** Bad command line: unknown command or option, missing argument, bad value. */
  Usage = 2,
  /** No answer from the server: connection refused, unknown host, timeout, connection lost. */
  Unreachable = 3,
  /** Ctrl-C (128 + SIGINT, as shells report it). */
  Interrupted = 130,
}

/** An error that ends the program with a given exit code and a one-line message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server answered with an error status; `message` is its `{error}` text, verbatim. */
export class ServerError extends CliError {
  constructor(
    readonly serverMessage: string,
    readonly status: number,
    readonly retryAfter?: string,
  ) {
    super(
      `${serverMessage} (HTTP ${status}${retryAfter ? `, retry after ${retryAfter} s` : ''})`,
      ExitCode.Failed,
    );
  }
}

/** The task ended `errored`; the message is the task's error. */
export class TaskErroredError extends CliError {
  constructor(
    readonly token: string,
    readonly taskError: string,
  ) {
    super(`task ${token} errored: ${taskError}`, ExitCode.Failed);
  }
}

export class UnreachableError extends CliError {
  /**
   * @param mayHaveArrived the request may have reached the server (the connection was lost or
   *   timed out after it was sent), as opposed to a connection that was never made.
   */
  constructor(
    message: string,
    readonly mayHaveArrived = true,
  ) {
    super(message, ExitCode.Unreachable);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** Ctrl-C: the message says what was abandoned (an upload, or only the waiting). */
export class InterruptedError extends CliError {
  constructor(message = 'interrupted') {
    super(message, ExitCode.Interrupted);
  }
}
