import { IDEMPOTENCY_KEY_HEADER, TaskKind } from '@app/tasks/contract';
import type {
  EvenSumResultView,
  TaskListView,
  TaskStatus,
  TaskStatusView,
  TokenView,
} from '@app/tasks/contract';
import { ServerError } from '../exit-codes';
import type { ApiTransport } from './http.transport';

/** Every task kind, in the order a token of unknown kind is looked up. */
export const TASK_KINDS: readonly TaskKind[] = Object.values(TaskKind);

/** The task routes: submit an image, read a status or result, cancel, list. */
export class TaskRoutes {
  constructor(private readonly http: ApiTransport) {}

  /** POST /randomize: the PNG's bytes (images are small: the server caps them at MAX_IMAGE_BYTES). */
  async submitRandomize(
    png: Buffer,
    query: { blockSize?: number; seed?: number; callbackUrl?: string },
    idempotencyKey?: string,
  ): Promise<string> {
    const res = await this.http.call('POST', '/randomize', {
      body: png,
      contentType: 'image/png',
      query,
      headers: idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : {},
    });
    return (await this.http.expectJson<TokenView>(res, [201])).token;
  }

  async status(kind: TaskKind, token: string): Promise<TaskStatusView> {
    const res = await this.http.call('GET', `/${kind}/${encodeURIComponent(token)}/status`);
    return this.http.expectJson<TaskStatusView>(res, [200]);
  }

  /** The task's kind and status, asking each kind in turn (the token does not say which it is). */
  async findTask(
    token: string,
    kinds: readonly TaskKind[] = TASK_KINDS,
  ): Promise<{ kind: TaskKind; status: TaskStatusView }> {
    return firstKind(kinds, async (kind) => ({ kind, status: await this.status(kind, token) }));
  }

  /**
   * DELETE /<kind>/:token: `cancelled` (queued or running: stopped, or it already was) or
   * `deleted` (it had ended: its record and result are gone).
   */
  async cancel(kind: TaskKind, token: string): Promise<'cancelled' | 'deleted'> {
    const res = await this.http.call('DELETE', `/${kind}/${encodeURIComponent(token)}`);
    if (res.status === 204) {
      await res.body?.cancel();
      return 'deleted';
    }
    await this.http.expectJson<{ status: 'cancelled' }>(res, [200]);
    return 'cancelled';
  }

  /** DELETE on each kind in turn (the token does not say which it is); 404 if none has it. */
  async cancelTask(
    token: string,
    kinds: readonly TaskKind[] = TASK_KINDS,
  ): Promise<{ kind: TaskKind; outcome: 'cancelled' | 'deleted' }> {
    return firstKind(kinds, async (kind) => ({ kind, outcome: await this.cancel(kind, token) }));
  }

  /** GET /tasks: one page of the caller's tasks, newest first. */
  async list(query: {
    kind?: TaskKind;
    status?: TaskStatus;
    limit?: number;
    cursor?: string;
  }): Promise<TaskListView> {
    const res = await this.http.call('GET', '/tasks', { query });
    return this.http.expectJson<TaskListView>(res, [200]);
  }

  /**
   * The shuffled PNG, or undefined while the task is not finished. Asks for a redirect: with S3
   * storage the PNG then comes straight from the bucket (a presigned URL, fetched without our
   * credentials); otherwise the api streams it.
   */
  async randomizeResult(token: string): Promise<Buffer | undefined> {
    let res = await this.http.call('GET', `/randomize/${encodeURIComponent(token)}/result`, {
      query: { redirect: 'true' },
      redirect: 'manual',
    });
    const location = res.status === 302 ? res.headers.get('location') : null;
    if (location) res = await this.http.fetchPresigned(location);
    if (res.status === 200) return Buffer.from(await this.http.read(res.arrayBuffer()));
    return this.http.notFinishedYet(res);
  }

  /** The exact sum and counts, or undefined while the task is not finished. */
  async evenSumResult(token: string): Promise<EvenSumResultView | undefined> {
    const res = await this.http.call('GET', `/even-sum/${encodeURIComponent(token)}/result`);
    if (res.status === 200) return this.http.expectJson<EvenSumResultView>(res, [200]);
    return this.http.notFinishedYet(res);
  }
}

/** The first kind `ask` does not answer 404 for; the last 404 when none has the token. */
async function firstKind<T>(
  kinds: readonly TaskKind[],
  ask: (kind: TaskKind) => Promise<T>,
): Promise<T> {
  let notFound: ServerError | undefined;
  for (const kind of kinds) {
    try {
      return await ask(kind);
    } catch (err) {
      if (!(err instanceof ServerError && err.status === 404)) throw err;
      notFound = err;
    }
  }
  throw notFound!;
}
