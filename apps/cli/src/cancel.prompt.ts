import { createInterface } from 'node:readline';

/** The streams a question goes through: a terminal when both are TTYs. */
export interface PromptStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

/** True when a person can answer: input and output are both terminals (not a pipe, a file, a CI log). */
export function isInteractive(io: PromptStreams): boolean {
  return io.input.isTTY === true && io.output.isTTY === true;
}

/**
 * Asks `cancel task <token>? [y/N]` and resolves true only for `y` or `yes` (any case). No is
 * the default: an empty line, any other answer, the end of input, or `abandon` (another Ctrl-C)
 * resolves false, so a stray key never cancels work.
 */
export function askToCancel(
  io: PromptStreams,
  token: string,
  abandon: AbortSignal,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    // terminal: false: the line discipline echoes and edits, and Ctrl-C stays a SIGINT.
    const lines = createInterface({ input: io.input, terminal: false });
    let settled = false;
    const settle = (answer: boolean, endLine = false) => {
      if (settled) return;
      settled = true;
      abandon.removeEventListener('abort', onAbandon);
      lines.close();
      // Resumed by the interface: let the process end without waiting for more input.
      io.input.pause();
      // No Enter was typed (Ctrl-C, end of input): the next message starts on a line of its own.
      if (endLine) io.output.write('\n');
      resolve(answer);
    };
    const onAbandon = () => settle(false, true);
    lines.once('line', (line) => settle(/^\s*y(es)?\s*$/i.test(line)));
    lines.once('close', () => settle(false, true));
    if (abandon.aborted) return settle(false);
    abandon.addEventListener('abort', onAbandon, { once: true });
    io.output.write(`\ncancel task ${token}? [y/N] `);
  });
}
