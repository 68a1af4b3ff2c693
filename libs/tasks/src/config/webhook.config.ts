import { z } from 'zod';
import { bool, EnvOf, int, optionalString } from './env-fields';

/** The WEBHOOK_* variables (completion callbacks, callbackUrl), with their defaults. */
export const webhookEnv = {
  // Webhooks (callbackUrl): the Standard Webhooks signing secret, `whsec_` + base64 of 24-64 random
  // bytes (e.g. `echo whsec_$(openssl rand -base64 32)`); unset, a callbackUrl is refused (400).
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'whsec_ followed by base64')
    .refine((v) => {
      const n = Buffer.from(v.slice(6), 'base64').length;
      return n >= 24 && n <= 64;
    }, 'the base64 part must decode to 24-64 bytes')
    .optional(),
  // One delivery attempt's deadline (connect, send, answer).
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  // Attempts in all; bull's exponential backoff waits WEBHOOK_BACKOFF_MS * (2^n - 1) after the n-th
  // failure: 14 attempts from 5 s span ~22.7 h, the ~24 h a receiver's outage may last.
  WEBHOOK_MAX_ATTEMPTS: int(1, 30).default(14),
  WEBHOOK_BACKOFF_MS: int(10).default(5_000),
  // Plain http callback URLs (else https only): for tests and private networks.
  WEBHOOK_ALLOW_HTTP: bool.default('false'),
  // Hosts (as written in the URL, comma-separated) exempt from the private-address guard.
  WEBHOOK_ALLOWED_HOSTS: optionalString,
  // How often a worker moves ended tasks' callbacks from the due set into the webhook queue.
  WEBHOOK_POLL_MS: int(50, 60_000).default(1_000),
};

/** WEBHOOK_* settings. */
export interface WebhookSettings {
  secret?: string;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  allowHttp: boolean;
  /** Lower-cased hostnames exempt from the private-address guard. */
  allowedHosts: string[];
  pollMs: number;
}

/** AppConfig's part for completion callbacks. */
export interface WebhookConfig {
  /** Completion callbacks (WEBHOOK_*); `secret` unset: callbackUrl is refused. */
  webhooks: WebhookSettings;
}

/** Reads the WEBHOOK_* variables into their part of AppConfig. */
export function webhookConfig(e: EnvOf<typeof webhookEnv>): WebhookConfig {
  return {
    webhooks: {
      secret: e.WEBHOOK_SECRET,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: e.WEBHOOK_BACKOFF_MS,
      allowHttp: e.WEBHOOK_ALLOW_HTTP,
      allowedHosts: (e.WEBHOOK_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
      pollMs: e.WEBHOOK_POLL_MS,
    },
  };
}
