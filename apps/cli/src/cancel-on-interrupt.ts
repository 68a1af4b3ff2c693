import type { TaskKind } from '@app/tasks/contract';
import { ApiClient } from './api';
import { askToCancel, isInteractive, PromptStreams } from './cancel.prompt';
import type { CliContext } from './cli-context';
import { InterruptedError } from './exit-codes';

/** What decides whether Ctrl-C while waiting cancels the task. */
export interface InterruptPolicy {
  /** --cancel-on-interrupt: cancel without asking. */
  cancelOnInterrupt: boolean;
  /** Where to ask, when both ends are a terminal. */
  terminal: PromptStreams;
  /** Runs the question with Ctrl-C answering it (see Interrupt.hold). */
  hold<T>(during: (again: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * After Ctrl-C while waiting for `token`: cancel it on the server? With --cancel-on-interrupt yes;
 * on a terminal, the person is asked (`cancel task <token>? [y/N]`); otherwise (a script, a pipe)
 * no: the task goes on.
 */
export async function shouldCancel(policy: InterruptPolicy, token: string): Promise<boolean> {
  if (policy.cancelOnInterrupt) return true;
  if (!isInteractive(policy.terminal)) return false;
  return policy.hold((again) => askToCancel(policy.terminal, token, again));
}

/**
 * Waits with `wait`; on Ctrl-C, cancels the task on the server (its quota comes back at once) if
 * `shouldCancel` says so, before ending with exit code 130. Otherwise the task goes on, and the
 * message says how to follow it.
 */
export async function waitOrCancel<T>(
  ctx: CliContext,
  kind: TaskKind,
  token: string,
  wait: () => Promise<T>,
): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    if (!(await shouldCancel(ctx, token))) {
      if (ctx.cancelOnInterrupt || !isInteractive(ctx.terminal)) throw err;
      throw new InterruptedError(
        `task ${token} goes on; follow it with: tasks result ${token} (or tasks status ${token})`,
      );
    }
    // The program's signal is aborted by now: the DELETE needs a client of its own.
    const client = new ApiClient({
      url: ctx.client.baseUrl,
      apiKey: ctx.apiKey,
      signal: new AbortController().signal,
      timeoutMs: 4000,
    });
    const outcome = await client.tasks.cancel(kind, token);
    throw new InterruptedError(
      `task ${token} ${outcome === 'cancelled' ? 'cancelled' : 'had ended; deleted'}`,
    );
  }
}
