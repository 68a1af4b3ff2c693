import { request } from 'node:http';
import { storedFiles } from './support/faults';
import { http } from './support/http';
import { pollUntil } from './support/poll';
import { sendSlowBody } from './support/slow-client';
import { Stack } from './support/stack';

const MiB = 1024 * 1024;
const CAROL = 'secret12#xyz';
const DAVE = 'two words key';
const ERIN = 'erin-key-0001';
const UNKNOWN_TOKEN = '0123456789abcdef0123456789abcdef';

describe('keys, early answers and client aborts at the HTTP edge (real api)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: { API_KEYS: `carol:${CAROL},dave:${DAVE},erin:${ERIN}`, MAX_UPLOAD_BYTES: String(MiB) },
    });
  });
  afterAll(() => stack?.stop());

  const statusWith = async (headers: Record<string, string>) =>
    (await http(`${stack.url}/even-sum/${UNKNOWN_TOKEN}/status`, { headers })).status;

  it('authenticates a key containing # or spaces by its whole text, never by a prefix or with extra text', async () => {
    // 404: authenticated, the token is unknown. 401: not authenticated.
    expect(await statusWith({ authorization: `Bearer ${CAROL}` })).toBe(404);
    expect(await statusWith({ 'x-api-key': CAROL })).toBe(404);
    expect(await statusWith({ authorization: 'Bearer secret12' })).toBe(401);
    expect(await statusWith({ 'x-api-key': 'secret12' })).toBe(401);
    expect(await statusWith({ authorization: `Bearer ${DAVE}` })).toBe(404);
    expect(await statusWith({ authorization: `Bearer ${CAROL} trailing-text` })).toBe(401);
    expect(await statusWith({ authorization: 'Bearer two' })).toBe(401);
  });

  // Each answer comes before the body is read (or, for 413, before most of it is): a client that
  // keeps trickling a 1 GiB body must still read the answer, see the server's FIN, and be cut off
  // after the bounded linger instead of having its whole body read and discarded.
  it.each([
    ['401 without a key', { path: '/even-sum', headers: {}, chunked: false, status: 401 }],
    [
      '400 for a wrong Content-Type',
      {
        path: '/even-sum',
        headers: { 'content-type': 'application/json', 'x-api-key': ERIN },
        chunked: false,
        status: 400,
      },
    ],
    [
      '413 mid-stream past MAX_UPLOAD_BYTES',
      {
        path: '/even-sum',
        headers: { 'content-type': 'text/plain', 'x-api-key': ERIN },
        chunked: true,
        status: 413,
      },
    ],
  ])(
    'answers %s with Connection: close, and closes without reading the rest of a slow body',
    async (_, c) => {
      const bodyBytes = 1024 * MiB;
      const sent = await sendSlowBody(stack.url, { ...c, bodyBytes, timeoutMs: 30_000 });
      expect(sent.response).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status} `));
      expect(sent.response).toMatch(/\r\nconnection: close\r\n/i);
      expect(sent.response).toMatch(/\r\n\r\n\{"error":"[^"]+"\}$/);
      expect(sent.timedOut).toBe(false);
      // The FIN follows the answer at once; the close comes within the linger (5 s) plus slack.
      expect(sent.finAfterMs).toBeDefined();
      expect(sent.closedAfterMs! - sent.answeredAfterMs!).toBeLessThan(20_000);
      expect(sent.bodyBytesSent).toBeLessThan(bodyBytes / 4);
    },
  );

  it('keeps the connection open after an error answer once the body was read', async () => {
    // A small body read whole before the answer (an empty-ish PNG): nothing left to discard.
    const reply = await http(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-api-key': ERIN },
      body: Buffer.from('not a png'),
    });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('connection')).not.toBe('close');
  });

  it('logs a client that hangs up mid-upload as an abort (warn), not as a 500 error', async () => {
    const req = request(`${stack.url}/even-sum`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-api-key': ERIN },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(256 * 1024, '4 '));
    // Hang up only once the upload is really being stored.
    await pollUntil(
      async () => (storedFiles(stack.dataDir).some((f) => f.endsWith('.part')) ? true : undefined),
      10_000,
      'the upload to start',
    );
    req.destroy();
    const aborted = await pollUntil(
      async () =>
        stack.api.logs().find((l) => l.msg === 'client closed the connection before the answer'),
      10_000,
      'the abort to be logged',
    );
    expect(aborted).toMatchObject({ level: 40, route: 'POST /even-sum' });
    expect(stack.api.logs().filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});
