import type { TaskKind } from '@app/tasks/contract';
import { ApiClient } from './api';
import type { CliContext } from './cli-context';
import { InterruptedError } from './exit-codes';

/**
 * Waits with `wait`; on Ctrl-C with --cancel-on-interrupt, cancels the task on the server (its
 * quota comes back at once) before ending with exit code 130. Without the flag, the task goes on.
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
    if (!(err instanceof InterruptedError) || !ctx.cancelOnInterrupt) throw err;
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
