import { InterruptedError, ServerError, UnreachableError } from './exit-codes';
import { requestError, serverError } from './http-errors';

describe(serverError.name, () => {
  it("keeps the api's {error} text verbatim, with the status and Retry-After", () => {
    const sut = serverError(
      429,
      '{"error":"rate limit exceeded: at most 10 submissions per minute"}',
      '30',
    );
    expect(sut).toBeInstanceOf(ServerError);
    expect(sut.message).toBe(
      'rate limit exceeded: at most 10 submissions per minute (HTTP 429, retry after 30 s)',
    );
  });

  it("shows S3's XML code and message, and a proxy's text page trimmed", () => {
    expect(
      serverError(
        403,
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      ).message,
    ).toBe('AccessDenied: Request has expired (HTTP 403)');
    expect(serverError(502, '<html>\n  Bad   Gateway\n</html>').message).toBe(
      '<html> Bad Gateway </html> (HTTP 502)',
    );
    expect(serverError(500, '').message).toBe('no error message (HTTP 500)');
  });
});

describe(requestError.name, () => {
  const base = 'http://127.0.0.1:9';

  it('calls refused connections and unknown hosts unreachable, however deeply undici nests the code', () => {
    const refused = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
    });
    expect(requestError(refused, base)).toEqual(
      new UnreachableError(`cannot reach the server at ${base} (ECONNREFUSED)`, false),
    );
    // Never connected: the request did not arrive (a probe need not be retried).
    expect(requestError(refused, base)).toMatchObject({ mayHaveArrived: false });
    const unknown = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }),
    });
    expect(requestError(unknown, base)).toBeInstanceOf(UnreachableError);
  });

  it('calls a timeout unreachable', () => {
    expect(
      requestError(
        new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
        base,
      ),
    ).toBeInstanceOf(UnreachableError);
  });

  it('reports Ctrl-C as an interruption, not as a failed request', () => {
    const controller = new AbortController();
    controller.abort(new InterruptedError());
    expect(
      requestError(new DOMException('aborted', 'AbortError'), base, controller.signal),
    ).toBeInstanceOf(InterruptedError);
  });

  it("adds undici's cause to its bare 'fetch failed'", () => {
    expect(
      requestError(new TypeError('fetch failed', { cause: new Error('bad port') }), base).message,
    ).toBe('fetch failed: bad port');
  });
});
