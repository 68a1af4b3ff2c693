import { connect } from 'node:net';

export interface SlowSendOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Body size the request announces (Content-Length) or, chunked, the most it will send. */
  bodyBytes: number;
  chunked?: boolean;
  pieceBytes?: number;
  everyMs?: number;
  /** Gives up (and reports `timedOut`) if the server has not closed the connection by then. */
  timeoutMs?: number;
}

export interface SlowSendResult {
  /** Everything the server sent, as text. */
  response: string;
  /** Body bytes the kernel accepted before the connection closed. */
  bodyBytesSent: number;
  /** ms from the request's start to the first byte of the answer, to the server's FIN, to the close. */
  answeredAfterMs?: number;
  finAfterMs?: number;
  closedAfterMs?: number;
  timedOut: boolean;
}

/**
 * A stubborn client: sends the head, then trickles the body a piece every `everyMs` and keeps
 * sending after the answer and after the server's FIN, until the server closes the connection.
 */
export function sendSlowBody(url: string, options: SlowSendOptions): Promise<SlowSendResult> {
  const { hostname, port } = new URL(url);
  const piece = Buffer.alloc(options.pieceBytes ?? 64 * 1024, '2 ');
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    const received: Buffer[] = [];
    const result: SlowSendResult = { response: '', bodyBytesSent: 0, timedOut: false };
    let queued = 0;
    const headers = {
      host: `${hostname}:${port}`,
      ...(options.chunked
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(options.bodyBytes) }),
      ...options.headers,
    };
    socket.write(
      `${options.method ?? 'POST'} ${options.path} HTTP/1.1\r\n` +
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('') +
        '\r\n',
    );
    const pump = setInterval(() => {
      if (socket.destroyed || socket.writableNeedDrain || queued >= options.bodyBytes) return;
      const bytes = piece.subarray(0, Math.min(piece.length, options.bodyBytes - queued));
      queued += bytes.length;
      const framed = options.chunked
        ? Buffer.concat([
            Buffer.from(`${bytes.length.toString(16)}\r\n`),
            bytes,
            Buffer.from('\r\n'),
          ])
        : bytes;
      socket.write(framed, (err) => {
        if (!err) result.bodyBytesSent += bytes.length;
      });
    }, options.everyMs ?? 10);
    const giveUp = setTimeout(() => {
      result.timedOut = true;
      socket.destroy();
    }, options.timeoutMs ?? 30_000);
    socket.on('data', (chunk: Buffer) => {
      result.answeredAfterMs ??= Date.now() - started;
      received.push(chunk);
    });
    socket.on('end', () => (result.finAfterMs = Date.now() - started));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(pump);
      clearTimeout(giveUp);
      result.closedAfterMs = Date.now() - started;
      result.response = Buffer.concat(received).toString();
      resolve(result);
    });
  });
}
