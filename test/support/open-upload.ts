import { ClientRequest, request } from 'node:http';
import type { Stack } from './stack';
import { withRedis } from './faults';

export interface OpenUpload {
  /** The request, still open: write more of the body, end it, or destroy it. */
  req: ClientRequest;
  /** The api's answer, whenever it comes (status -1 if the connection failed first). */
  reply: Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * Starts an upload and sends only `first` of its body, leaving it open: with `contentLength` the
 * body is declared up front, without it the body is chunked.
 */
export function openUpload(
  url: string,
  first: Buffer,
  options: { headers?: Record<string, string>; contentLength?: number; method?: string } = {},
): OpenUpload {
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain',
    ...options.headers,
  };
  if (options.contentLength !== undefined) headers['content-length'] = options.contentLength;
  const req = request(url, { method: options.method ?? 'POST', headers });
  const reply = new Promise<{ status: number; body: Record<string, unknown> }>((resolve) => {
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
      });
      res.on('error', () => resolve({ status: -1, body: {} }));
    });
    req.on('error', () => resolve({ status: -1, body: {} }));
  });
  req.write(first);
  return { req, reply };
}

/** What a client holds in the quota store: bytes reserved, pending slots and open uploads. */
export async function clientUsage(
  stack: Stack,
  client: string,
): Promise<{ bytes: number; pending: number; uploads: number }> {
  const base = `${stack.prefix}:client:${client}`;
  return withRedis(stack, async (redis) => {
    const sizes = await redis.hvals(`${base}:sizes`);
    return {
      bytes: sizes.reduce((sum, v) => sum + Number(v), 0),
      pending: await redis.zcard(`${base}:pending`),
      uploads: await redis.zcard(`${base}:uploads`),
    };
  });
}
