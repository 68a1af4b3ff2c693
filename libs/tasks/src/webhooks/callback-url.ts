import type { WebhookSettings } from '../config';

/** The longest callbackUrl accepted. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * Why a submission's callbackUrl is refused, or undefined when it is acceptable: absolute, http(s)
 * (http only with WEBHOOK_ALLOW_HTTP), at most 2048 characters, webhooks configured. The target's
 * address is judged at delivery (its DNS answer may change), not here.
 */
export function callbackUrlProblem(
  value: string,
  settings: Pick<WebhookSettings, 'secret' | 'allowHttp'>,
): string | undefined {
  if (!settings.secret) return 'callbackUrl: webhooks are not enabled here (no WEBHOOK_SECRET)';
  if (value.length > MAX_CALLBACK_URL_LENGTH)
    return `callbackUrl: longer than ${MAX_CALLBACK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'callbackUrl: not an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return settings.allowHttp ? undefined : 'callbackUrl: must be https (http is not allowed here)';
  return 'callbackUrl: must be an http(s) URL';
}
