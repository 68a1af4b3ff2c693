import { CliError, InterruptedError, ServerError, UnreachableError } from './exit-codes';

/** Error codes that mean "no (more) answer from the server", from node:net, dns and undici. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** A ServerError from an error reply: its `{error}` text verbatim (or `message`, or the raw text). */
export function serverError(
  status: number,
  bodyText: string,
  retryAfter?: string | null,
): ServerError {
  let message: string | undefined;
  try {
    const body = JSON.parse(bodyText) as { error?: unknown; message?: unknown };
    message =
      typeof body.error === 'string'
        ? body.error
        : typeof body.message === 'string'
          ? body.message
          : undefined;
  } catch {
    // Not JSON (a proxy's HTML page, S3's XML): show the text itself, trimmed.
  }
  message ??=
    xmlMessage(bodyText) ??
    (bodyText.trim().replace(/\s+/g, ' ').slice(0, 300) || 'no error message');
  return new ServerError(message, status, retryAfter ?? undefined);
}

/** S3 errors are XML: `<Error><Code>…</Code><Message>…</Message></Error>`. */
function xmlMessage(text: string): string | undefined {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return code || message ? [code, message].filter(Boolean).join(': ') : undefined;
}

/** The network error code of `err` or of any error in its cause chain (undici nests them). */
export function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return code;
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    e = (e as { cause?: unknown }).cause ?? inner;
  }
  return undefined;
}

/**
 * Turns a failed request into the CLI's error: Ctrl-C stays an interruption, timeouts and refused
 * or lost connections become "unreachable" (exit 3), anything else passes through.
 */
export function requestError(err: unknown, baseUrl: string, signal?: AbortSignal): Error {
  if (err instanceof CliError) return err;
  if (signal?.aborted)
    return signal.reason instanceof CliError ? signal.reason : new InterruptedError();
  if ((err as Error)?.name === 'TimeoutError')
    return new UnreachableError(`no answer from ${baseUrl} (timed out)`);
  const code = networkCode(err);
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new UnreachableError(`lost the connection to the server at ${baseUrl} (${code})`);
  }
  if (code) return new UnreachableError(`cannot reach the server at ${baseUrl} (${code})`, false);
  // undici says only "fetch failed"; the reason (e.g. "bad port") is its cause.
  const cause = (err as { cause?: unknown })?.cause;
  if (err instanceof Error && cause instanceof Error)
    return new Error(`${err.message}: ${cause.message}`);
  return err instanceof Error ? err : new Error(String(err));
}
