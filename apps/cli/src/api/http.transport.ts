import type { ServerError } from '../exit-codes';
import { requestError, serverError } from '../http-errors';

export interface ApiClientOptions {
  url: string;
  apiKey?: string;
  /** Aborted on Ctrl-C: every request in flight is cancelled. */
  signal: AbortSignal;
  /** Per request, for the small JSON calls (uploads use an idle timeout instead). */
  timeoutMs?: number;
}

/** A small JSON (or PNG) request to the service. */
export interface CallInit {
  body?: Buffer;
  contentType?: string;
  json?: unknown;
  query?: Record<string, number | string | undefined>;
  redirect?: 'follow' | 'manual';
  headers?: Record<string, string>;
}

const USER_AGENT = 'tasks-cli';

/**
 * The HTTP side of the api client: base URL, credentials, timeouts and the mapping of failures to
 * the CLI's errors (ServerError with the server's `{error}`, UnreachableError, InterruptedError).
 * The route classes (tasks, uploads, events) speak through it.
 */
export class ApiTransport {
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

  /** Authorization and User-Agent, for requests to the service (never to presigned storage URLs). */
  headers(): Record<string, string> {
    return {
      'user-agent': USER_AGENT,
      ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
    };
  }

  /** One request with the client's credentials and its per-request timeout. */
  async call(method: string, path: string, init: CallInit = {}): Promise<Response> {
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

  /**
   * A GET without overall timeout (a stream that lasts as long as a task): `signal` and the
   * client's own signal end it.
   */
  async stream(
    path: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Response> {
    try {
      return await fetch(this.baseUrl + path, {
        headers: { ...this.headers(), ...headers },
        signal: AbortSignal.any([this.signal, signal]),
      });
    } catch (err) {
      throw requestError(err, this.baseUrl, this.signal);
    }
  }

  /** A presigned storage URL the api redirected to: no Authorization (S3 refuses a second credential). */
  async fetchPresigned(url: string): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { 'user-agent': USER_AGENT },
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
    } catch (err) {
      throw requestError(err, new URL(url).origin, this.signal);
    }
  }

  /** The JSON body of a reply whose status is in `ok`; a ServerError otherwise. */
  async expectJson<T>(res: Response, ok: number[]): Promise<T> {
    const text = await this.read(res.text());
    if (!ok.includes(res.status))
      throw serverError(res.status, text, res.headers.get('retry-after'));
    const body = safeJson(text);
    if (body === undefined)
      throw new Error(`the server answered HTTP ${res.status} with a body that is not JSON`);
    return body as T;
  }

  /** An error reply as a ServerError (its `{error}` text). */
  async errorOf(res: Response): Promise<ServerError> {
    return serverError(res.status, await this.read(res.text()), res.headers.get('retry-after'));
  }

  /** A result route answers 404 `{message: "not found", status}` until the task has finished. */
  async notFinishedYet(res: Response): Promise<undefined> {
    const text = await this.read(res.text());
    if (res.status === 404) {
      const body = safeJson(text);
      if (body?.message === 'not found' && typeof body.status === 'string') return undefined;
    }
    throw serverError(res.status, text, res.headers.get('retry-after'));
  }

  /** A body being read: a connection lost meanwhile is the same error as a request that failed. */
  async read<T>(body: Promise<T>): Promise<T> {
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
