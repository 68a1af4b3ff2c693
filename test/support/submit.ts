import { http, Reply } from './http';

/** Where a task goes: a Stack (or one api process of it) or an api's base URL. */
export type ApiBase = string | { url: string };

export interface SubmitOptions {
  /** Request headers (an API key, an Idempotency-Key); a content-type given here replaces the default. */
  headers?: Record<string, string>;
  /** Query parameters (seed, blockSize, callbackUrl), each encoded with encodeURIComponent. */
  query?: Record<string, string | number>;
}

export type SubmitReply = Reply<{ token?: string; error?: string }>;

/** The one POST behind the helpers below. */
function post(
  kind: 'randomize' | 'even-sum',
  base: ApiBase,
  body: Buffer | string,
  contentType: string,
  { headers, query }: SubmitOptions,
): Promise<SubmitReply> {
  const url = typeof base === 'string' ? base : base.url;
  const search = query
    ? `?${Object.entries(query)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&')}`
    : '';
  return http(`${url}/${kind}${search}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
}

/**
 * The token of an accepted submission. Anything but 201 {token} throws with the status and body:
 * the tests these helpers serve asserted the 201 themselves, so a refusal still fails them.
 */
function tokenOf(kind: string, reply: SubmitReply): string {
  if (reply.status !== 201 || typeof reply.body?.token !== 'string')
    throw new Error(
      `POST /${kind} answered ${reply.status}, not 201 {token}: ${reply.bytes.toString()}`,
    );
  return reply.body.token;
}

/** POST a PNG to /randomize; the reply as it comes. */
export function postPng(
  base: ApiBase,
  png: Buffer,
  options: SubmitOptions = {},
): Promise<SubmitReply> {
  return post('randomize', base, png, 'image/png', options);
}

/** POST a PNG to /randomize, which must answer 201; returns the task's token. */
export async function submitPng(
  base: ApiBase,
  png: Buffer,
  options: SubmitOptions = {},
): Promise<string> {
  return tokenOf('randomize', await postPng(base, png, options));
}

/** POST numbers (text/plain) to /even-sum in one body; the reply as it comes. */
export function postNumbers(
  base: ApiBase,
  text: Buffer | string,
  options: SubmitOptions = {},
): Promise<SubmitReply> {
  return post('even-sum', base, text, 'text/plain', options);
}

/** POST numbers (text/plain) to /even-sum in one body, which must answer 201; returns the token. */
export async function submitNumbers(
  base: ApiBase,
  text: Buffer | string,
  options: SubmitOptions = {},
): Promise<string> {
  return tokenOf('even-sum', await postNumbers(base, text, options));
}
