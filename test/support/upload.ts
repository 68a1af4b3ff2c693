import { request } from 'node:http';
import { Readable } from 'node:stream';

/** Streams `body` to `url` with chunked encoding (or Content-Length when given); resolves with status and JSON. */
export function upload(
  url: string,
  body: Readable,
  options: { method?: string; headers?: Record<string, string | number> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        headers: { 'content-type': 'text/plain', ...options.headers },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString();
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}
