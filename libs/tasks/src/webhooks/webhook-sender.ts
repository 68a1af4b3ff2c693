import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { guardedLookup, literalRefusal, TargetRefusedError } from './target-guard';

/** One attempt's outcome: delivered (2xx), a failure worth retrying, or a refused target. */
export type SendOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; reason: string }
  | { kind: 'refused'; reason: string };

export interface SendOptions {
  secret: string;
  timeoutMs: number;
  /** Lower-cased hosts exempt from the address guard. */
  allowedHosts: string[];
  now?: Date;
}

// Agents with the guarded lookup (no keep-alive: each attempt resolves and is checked afresh).
const guardedAgents = {
  'http:': new http.Agent({ lookup: guardedLookup }),
  'https:': new https.Agent({ lookup: guardedLookup }),
};

/**
 * POSTs `body` to `url` once, signed with Standard Webhooks headers (webhook-id `id`, stable over
 * retries). Redirects are not followed (a 3xx is a failed attempt); the whole exchange must end
 * within `timeoutMs`. Never throws.
 */
export function sendWebhook(
  url: string,
  id: string,
  body: string,
  { secret, timeoutMs, allowedHosts, now = new Date() }: SendOptions,
): Promise<SendOutcome> {
  const target = new URL(url);
  const exempt = allowedHosts.includes(target.hostname.toLowerCase());
  const literal = exempt ? undefined : literalRefusal(target.hostname);
  if (literal) return Promise.resolve({ kind: 'refused', reason: literal });
  const signature = new Webhook(secret).sign(id, now, body);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(target, {
      method: 'POST',
      agent: exempt ? undefined : guardedAgents[target.protocol as 'http:' | 'https:'],
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      res.on('end', () =>
        resolve(
          status >= 200 && status < 300
            ? { kind: 'delivered', status }
            : { kind: 'retry', reason: `receiver answered ${status}` },
        ),
      );
      res.on('error', () => resolve({ kind: 'retry', reason: `receiver answered ${status}` }));
    });
    req.on('error', (err: Error) => {
      if (
        err instanceof TargetRefusedError ||
        (err as { code?: string }).code === 'WEBHOOK_TARGET_REFUSED'
      )
        return resolve({ kind: 'refused', reason: err.message });
      const reason =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `no answer within ${timeoutMs} ms`
          : `request failed: ${err.message}`;
      resolve({ kind: 'retry', reason });
    });
    req.end(body);
  });
}
