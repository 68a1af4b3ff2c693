import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two secrets of any length (hashing first equalises the lengths). */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * The secret a request presents: `Authorization: Bearer <t>`, or Basic with the token as password.
 * Bearer's secret is everything after the scheme, so a key may contain spaces and trailing text is
 * part of what is compared (`Bearer key extra` is not `key`).
 */
export function presentedSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\S+)\s+([\s\S]*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, scheme, value] = match;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return undefined;
}
