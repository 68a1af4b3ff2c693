import { createReadStream } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { InterruptedError } from '../exit-codes';

export interface SendFileOptions {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  file: string;
  /** The byte range [start, end) of the file to send. */
  start: number;
  end: number;
  signal: AbortSignal;
  /** Called with each block's size as it is read from disk and handed to the socket. */
  onBytes?: (bytes: number) => void;
  /** No socket activity for this long (connecting, sending or waiting) fails the request. */
  idleTimeoutMs?: number;
}

export interface FileReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Error replies are short JSON or XML; a body past this is cut. */
const MAX_REPLY_BYTES = 1 << 20;

/**
 * Sends a byte range of a file as a request body with Content-Length, streamed from disk (never
 * held in memory), and resolves with the reply. Aborting `signal` destroys the request at once: a
 * half-sent body is what tells the server to drop the upload. An early reply (e.g. 413 before the
 * body is sent) stops the sending and is returned as it is.
 */
export function sendFile(options: SendFileOptions): Promise<FileReply> {
  const { signal } = options;
  return new Promise<FileReply>((resolve, reject) => {
    if (signal.aborted) return reject(new InterruptedError('upload aborted'));
    const length = options.end - options.start;
    const req = request(options.url, options.method, {
      ...options.headers,
      'content-length': String(length),
    });
    const file =
      length > 0
        ? createReadStream(options.file, {
            start: options.start,
            end: options.end - 1,
            highWaterMark: 256 * 1024,
          })
        : undefined;
    let settled = false;
    let replied = false;

    const finish = (err: Error | undefined, reply?: FileReply) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      file?.destroy();
      req.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const onAbort = () => finish(new InterruptedError('upload aborted'));
    signal.addEventListener('abort', onAbort, { once: true });

    req.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
      req.destroy(Object.assign(new Error('the server stopped answering'), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (err) => {
      // After the reply, a reset is only the server closing a refused upload.
      if (!replied) finish(err);
    });
    req.on('response', (res) => {
      replied = true;
      file?.unpipe(req);
      file?.destroy();
      readReply(res).then(
        (reply) => finish(undefined, reply),
        (err: Error) => finish(err),
      );
    });

    if (!file) {
      req.end();
      return;
    }
    file.on('error', (err) => finish(err));
    file.on('data', (chunk) => options.onBytes?.(chunk.length));
    file.pipe(req);
  });
}

/**
 * Sends only a request's headers (its body never follows) and resolves with the reply if one comes
 * within `waitMs`, else with undefined; either way the request is then dropped. A server that
 * refuses requests from their headers alone (size, key, quota) answers this at once; one that
 * would accept waits for a body that never comes, and discards the request when it is cut.
 */
export function sendHeaders(
  url: string,
  method: 'POST' | 'PUT',
  headers: Record<string, string>,
  waitMs: number,
): Promise<FileReply | undefined> {
  return new Promise((resolve) => {
    const req = request(url, method, headers);
    const done = (reply: FileReply | undefined) => {
      clearTimeout(timer);
      req.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), waitMs);
    req.on('error', () => done(undefined));
    req.on('response', (res) => void readReply(res).then(done, () => done(undefined)));
    req.flushHeaders();
  });
}

function request(url: string, method: string, headers: Record<string, string>): http.ClientRequest {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  // One connection per upload: nothing pooled is left open to keep the process alive.
  return transport.request(target, { method, headers, agent: false });
}

function readReply(res: http.IncomingMessage): Promise<FileReply> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_REPLY_BYTES) parts.push(chunk);
      size += chunk.length;
    });
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(parts).toString('utf8'),
      }),
    );
    res.on('error', reject);
  });
}
