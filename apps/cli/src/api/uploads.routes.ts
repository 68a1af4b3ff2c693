import { IDEMPOTENCY_KEY_HEADER } from '@app/tasks/contract';
import type { DirectUploadStateView, DirectUploadView, TokenView } from '@app/tasks/contract';
import { networkCode, requestError, serverError } from '../http-errors';
import { sendFile, sendHeaders } from '../upload/send-file';
import type { ApiTransport } from './http.transport';

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** The even-sum upload routes: a file streamed through the api, or a direct upload to S3 and its resume. */
export class UploadRoutes {
  constructor(private readonly http: ApiTransport) {}

  /** POST /even-sum, the file streamed from disk with Content-Length. */
  async streamEvenSum(
    file: string,
    size: number,
    onBytes: (bytes: number) => void,
    idempotencyKey?: string,
    callbackUrl?: string,
  ): Promise<string> {
    const { baseUrl, signal } = this.http;
    const url = `${baseUrl}/even-sum${callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ''}`;
    const headers: Record<string, string> = {
      ...this.http.headers(),
      'content-type': 'text/plain',
    };
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
        signal,
        onBytes,
      });
      if (reply.status !== 201)
        throw serverError(reply.status, reply.body, headerValue(reply.headers['retry-after']));
      return (JSON.parse(reply.body) as TokenView).token;
    } catch (err) {
      // The api refuses an upload from its headers (413 size, 401 key, 429 quota) and closes the
      // connection at once: when that close reaches us mid-send, the reply is lost with it
      // (EPIPE, ECONNRESET). The same headers without a body get the same refusal, now readable.
      if (!signal.aborted && ['EPIPE', 'ECONNRESET'].includes(networkCode(err) ?? '')) {
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
      throw requestError(err, baseUrl, signal);
    }
  }

  /**
   * POST /even-sum/uploads: a presigned multipart upload, or undefined when the server stores
   * uploads itself (fs mode answers 404 or 409; an older server has no such route). With
   * `idempotencyKey`, a retry after a lost answer gets the same session back (see
   * submitWithRetries); a 409 with Retry-After is that key's first request still starting, not
   * fs mode: it is thrown, to be retried.
   */
  async start(
    size: number,
    idempotencyKey?: string,
    callbackUrl?: string,
  ): Promise<DirectUploadView | undefined> {
    const res = await this.http.call('POST', '/even-sum/uploads', {
      json: callbackUrl ? { size, callbackUrl } : { size },
      headers: idempotencyKey ? { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } : {},
    });
    const keyInUse = res.status === 409 && res.headers.has('retry-after');
    if ([404, 405, 409, 501].includes(res.status) && !keyInUse) {
      await res.body?.cancel();
      return undefined;
    }
    const plan = await this.http.expectJson<DirectUploadView>(res, [200, 201]);
    if (typeof plan.token !== 'string' || !(plan.partSize > 0) || !Array.isArray(plan.parts)) {
      throw new Error('the server answered POST /even-sum/uploads with an unexpected body');
    }
    return plan;
  }

  /** GET /even-sum/uploads/:token: the parts stored so far, fresh URLs for the rest (and the session kept alive). */
  async state(token: string): Promise<DirectUploadStateView> {
    const res = await this.http.call('GET', `/even-sum/uploads/${encodeURIComponent(token)}`);
    const state = await this.http.expectJson<DirectUploadStateView>(res, [200]);
    if (!(state.partSize > 0) || !Array.isArray(state.stored) || !Array.isArray(state.missing))
      throw new Error('the server answered GET /even-sum/uploads/:token with an unexpected body');
    return state;
  }

  /** POST /even-sum/uploads/:token/complete: the task starts. */
  async complete(token: string, parts: CompletedPart[]): Promise<string> {
    const res = await this.http.call(
      'POST',
      `/even-sum/uploads/${encodeURIComponent(token)}/complete`,
      { json: { parts } },
    );
    return (await this.http.expectJson<TokenView>(res, [200, 201])).token;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
