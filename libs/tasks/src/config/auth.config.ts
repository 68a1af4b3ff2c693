import { readFileSync } from 'node:fs';
import { ApiKey, ApiKeysSource, parseApiKeys } from './api-keys';
import { EnvOf, optionalString } from './env-fields';

/** The authentication variables (admin token, client API keys); unset by default. */
export const authEnv = {
  ADMIN_TOKEN: optionalString,
  API_KEYS: optionalString,
};

/** AppConfig's part for authentication. */
export interface AuthConfig {
  adminToken?: string;
  /** Set when API_KEYS turns authentication on. */
  apiKeys?: ApiKey[];
}

/**
 * Reads the authentication variables into their part of AppConfig; adds to `problems` an
 * API_KEYS that does not parse (or names a file that cannot be read).
 */
export function authConfig(e: EnvOf<typeof authEnv>, problems: string[]): AuthConfig {
  let apiKeys: ApiKey[] | undefined;
  try {
    apiKeys = e.API_KEYS === undefined ? undefined : parseApiKeys(...readKeysSource(e.API_KEYS));
  } catch (err) {
    problems.push(`API_KEYS: ${(err as Error).message}`);
  }
  return { adminToken: e.ADMIN_TOKEN, apiKeys };
}

/** API_KEYS is either the list itself or the path of a file holding it (no ':' means a path). */
function readKeysSource(value: string): [string, ApiKeysSource] {
  return value.includes(':') && !value.startsWith('/') && !value.startsWith('.')
    ? [value, 'inline']
    : [readFileSync(value, 'utf8'), 'file'];
}
