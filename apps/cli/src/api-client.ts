import { IDEMPOTENCY_KEY_HEADER, TaskKind } from '@app/tasks/contract';
import type {
  DirectUploadStateView,
  DirectUploadView,
  EvenSumResultView,
  TaskListView,
  TaskStatus,
  TaskStatusView,
  TokenView,
} from '@app/tasks/contract';
import { ServerError } from './exit-codes';
import { networkCode, requestError, serverError } from './http-errors';
import { sendFile, sendHeaders } from './upload/send-file';

/** Every task kind, in the order a token of unknown kind is looked up. */
export const TASK_KINDS: readonly TaskKind[] = Object.values(TaskKind);

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface ApiClientOptions {
  url: string;
  apiKey?: string;
  /** Aborted on Ctrl-C: every request in flight is cancelled. */
  signal: AbortSignal;
  /** Per request, for the small JSON calls (uploads use an idle timeout instead). */
  timeoutMs?: number;
}

const USER_AGENT = 'tasks-cli';

/** The service's HTTP API, typed. Errors: ServerError (the server's `{error}`), UnreachableError, InterruptedError. */
export class ApiClient {
  readonly baseUrl: string;
  readonly signal: AbortSignal;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.signal = options.signal;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** POST /randomize: the PNG's bytes (images are small: the server caps them at MAX_IMAGE_BYTES). */
  async submitRandomize(
    png: Buffer,
    query: { blockSize?: number; seed?: number },
    idempotencyKey?: string,
  ): Promise<string> {
    const res = await this.call('POST', '/randomize', {
      body: png,
      contentType: 'image/png',
      query,
      headers: idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : {},
    });
    return (await this.expectJson<TokenView>(res, [201])).token;
  }

  /** POST /even-sum, the file streamed from disk with Content-Length. */
  async streamEvenSum(
    file: string,
    size: number,
    onBytes: (bytes: number) => void,
    idempotencyKey?: string,
  ): Promise<string> {
    const url = `${this.baseUrl}/even-sum`;
    const headers: Record<string, string> = { ...this.headers(), 'content-type': 'text/plain' };
    // The same key on every retry of this upload: a retry after a lost answer gets the first task.
    if (idempotencyKey) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = idempotencyKey;
    try {
      const reply = await sendFile({
        url,
        method: 'POST',
        headers,
        file,
        start: 0,
        end: size,
        signal: this.signal,
        onBytes,
      });
      if (reply.status !== 201)
        throw serverError(reply.status, reply.body, headerValue(reply.headers['retry-after']));
      return (JSON.parse(reply.body) as TokenView).token;
    } catch (err) {
      // The api refuses an upload from its headers (413 size, 401 key, 429 quota) and closes the
      // connection at once: when that close reaches us mid-send, the reply is lost with it
      // (EPIPE, ECONNRESET). The same headers without a body get the same refusal, now readable.
      if (!this.signal.aborted && ['EPIPE', 'ECONNRESET'].includes(networkCode(err) ?? '')) {
        const refusal = await sendHeaders(
          url,
          'POST',
          { ...headers, 'content-length': String(size) },
          3000,
        );
        if (refusal && refusal.status >= 400) {
          throw serverError(
            refusal.status,
            refusal.body,
            headerValue(refusal.headers['retry-after']),
          );
        }
      }
      throw requestError(err, this.baseUrl, this.signal);
    }
  }

  /**
   * POST /even-sum/uploads: a presigned multipart upload, or undefined when the server stores
   * uploads itself (fs mode answers 404 or 409; an older server has no such route).
   */
  async startUpload(size: number): Promise<DirectUploadView | undefined> {
    const res = await this.call('POST', '/even-sum/uploads', { json: { size } });
    if ([404, 405, 409, 501].includes(res.status)) {
      await res.body?.cancel();
      return undefined;
    }
    const plan = await this.expectJson<DirectUploadView>(res, [200, 201]);
    if (typeof plan.token !== 'string' || !(plan.partSize > 0) || !Array.isArray(plan.parts)) {
      throw new Error('the server answered POST /even-sum/uploads with an unexpected body');
    }
    return plan;
  }

  /** GET /even-sum/uploads/:token: the parts stored so far, fresh URLs for the rest (and the session kept alive). */
  async uploadState(token: string): Promise<DirectUploadStateView> {
    const res = await this.call('GET', `/even-sum/uploads/${encodeURIComponent(token)}`);
    const state = await this.expectJson<DirectUploadStateView>(res, [200]);
    if (!(state.partSize > 0) || !Array.isArray(state.stored) || !Array.isArray(state.missing))
      throw new Error('the server answered GET /even-sum/uploads/:token with an unexpected body');
    return state;
  }

  /** POST /even-sum/uploads/:token/complete: the task starts. */
  async completeUpload(token: string, parts: CompletedPart[]): Promise<string> {
    const res = await this.call('POST', `/even-sum/uploads/${encodeURIComponent(token)}/complete`, {
      json: { parts },
    });
    return (await this.expectJson<TokenView>(res, [200, 201])).token;
  }

  /**
   * GET /:kind/:token/events: the open event stream (read its body), or the error reply as is.
   * No overall timeout (the stream lasts as long as the task): `signal` ends it.
   */
  async openEvents(
    kind: TaskKind,
    token: string,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const url = `${this.baseUrl}/${kind}/${encodeURIComponent(token)}/events`;
    const headers: Record<string, string> = { ...this.headers(), accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    try {
      return await fetch(url, { headers, signal: AbortSignal.any([this.signal, signal]) });
    } catch (err) {
      throw requestError(err, this.baseUrl, this.signal);
    }
  }

  /** An error reply as a ServerError (its `{error}` text). */
  async errorOf(res: Response): Promise<ServerError> {
    return serverError(res.status, await this.read(res.text()), res.headers.get('retry-after'));
  }

  async status(kind: TaskKind, token: string): Promise<TaskStatusView> {
    const res = await this.call('GET', `/${kind}/${encodeURIComponent(token)}/status`);
    return this.expectJson<TaskStatusView>(res, [200]);
  }

  /** The task's kind and status, asking each kind in turn (the token does not say which it is). */
  async findTask(
    token: string,
    kinds: readonly TaskKind[] = TASK_KINDS,
  ): Promise<{ kind: TaskKind; status: TaskStatusView }> {
    let notFound: ServerError | undefined;
    for (const kind of kinds) {
      try {
        return { kind, status: await this.status(kind, token) };
      } catch (err) {
        if (!(err instanceof ServerError && err.status === 404)) throw err;
        notFound = err;
      }
    }
    throw notFound!;
  }

  /**
   * DELETE /<kind>/:token: `cancelled` (queued or running: stopped, or it already was) or
   * `deleted` (it had ended: its record and result are gone).
   */
  async cancel(kind: TaskKind, token: string): Promise<'cancelled' | 'deleted'> {
    const res = await this.call('DELETE', `/${kind}/${encodeURIComponent(token)}`);
    if (res.status === 204) {
      await res.body?.cancel();
      return 'deleted';
    }
    await this.expectJson<{ status: 'cancelled' }>(res, [200]);
    return 'cancelled';
  }

  /** DELETE on each kind in turn (the token does not say which it is); 404 if none has it. */
  async cancelTask(
    token: string,
    kinds: readonly TaskKind[] = TASK_KINDS,
  ): Promise<{ kind: TaskKind; outcome: 'cancelled' | 'deleted' }> {
    let notFound: ServerError | undefined;
    for (const kind of kinds) {
      try {
        return { kind, outcome: await this.cancel(kind, token) };
      } catch (err) {
        if (!(err instanceof ServerError && err.status === 404)) throw err;
        notFound = err;
      }
    }
    throw notFound!;
  }

  /** GET /tasks: one page of the caller's tasks, newest first. */
  async listTasks(query: {
    kind?: TaskKind;
    status?: TaskStatus;
    limit?: number;
    cursor?: string;
  }): Promise<TaskListView> {
    const res = await this.call('GET', '/tasks', { query });
    return this.expectJson<TaskListView>(res, [200]);
  }

  /**
   * The shuffled PNG, or undefined while the task is not finished. Asks for a redirect: with S3
   * storage the PNG then comes straight from the bucket (a presigned URL, fetched without our
   * credentials); otherwise the api streams it.
   */
  async randomizeResult(token: string): Promise<Buffer | undefined> {
    let res = await this.call('GET', `/randomize/${encodeURIComponent(token)}/result`, {
      query: { redirect: 'true' },
      redirect: 'manual',
    });
    const location = res.status === 302 ? res.headers.get('location') : null;
    if (location) res = await this.fetchPresigned(location);
    if (res.status === 200) return Buffer.from(await this.read(res.arrayBuffer()));
    return this.notFinishedYet(res);
  }

  /** The exact sum and counts, or undefined while the task is not finished. */
  async evenSumResult(token: string): Promise<EvenSumResultView | undefined> {
    const res = await this.call('GET', `/even-sum/${encodeURIComponent(token)}/result`);
    if (res.status === 200) return this.expectJson<EvenSumResultView>(res, [200]);
    return this.notFinishedYet(res);
  }

  /** Authorization and User-Agent, for requests to the service (never to presigned storage URLs). */
  headers(): Record<string, string> {
    return {
      'user-agent': USER_AGENT,
      ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
    };
  }

  /** A result route answers 404 `{message: "not found", status}` until the task has finished. */
  private async notFinishedYet(res: Response): Promise<undefined> {
    const text = await this.read(res.text());
    if (res.status === 404) {
      const body = safeJson(text);
      if (body?.message === 'not found' && typeof body.status === 'string') return undefined;
    }
    throw serverError(res.status, text, res.headers.get('retry-after'));
  }

  private async call(
    method: string,
    path: string,
    init: {
      body?: Buffer;
      contentType?: string;
      json?: unknown;
      query?: Record<string, number | string | undefined>;
      redirect?: 'follow' | 'manual';
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(init.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = {
      ...this.headers(),
      ...init.headers,
      accept: 'application/json, image/png',
    };
    let body: Buffer | string | undefined = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    } else if (init.contentType) {
      headers['content-type'] = init.contentType;
    }
    try {
      return await fetch(url, {
        method,
        headers,
        body,
        redirect: init.redirect,
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
    } catch (err) {
      throw requestError(err, this.baseUrl, this.signal);
    }
  }

  /** A presigned storage URL the api redirected to: no Authorization (S3 refuses a second credential). */
  private async fetchPresigned(url: string): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { 'user-agent': USER_AGENT },
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
    } catch (err) {
      throw requestError(err, new URL(url).origin, this.signal);
    }
  }

  private async expectJson<T>(res: Response, ok: number[]): Promise<T> {
    const text = await this.read(res.text());
    if (!ok.includes(res.status))
      throw serverError(res.status, text, res.headers.get('retry-after'));
    const body = safeJson(text);
    if (body === undefined)
      throw new Error(`the server answered HTTP ${res.status} with a body that is not JSON`);
    return body as T;
  }

  private async read<T>(body: Promise<T>): Promise<T> {
    try {
      return await body;
    } catch (err) {
      throw requestError(err, this.baseUrl, this.signal);
    }
  }
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
