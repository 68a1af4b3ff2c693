export interface ApiKey {
  client: string;
  key: string;
}

/** Where the API_KEYS text came from: the variable itself, or a file it names. */
export type ApiKeysSource = 'inline' | 'file';

/**
 * Parses `alice:key1,bob:key2` (commas or newlines). In a file, a line whose first non-blank
 * character is `#` is a comment; anywhere else `#` is part of the key (`carol:secret12#xyz` is
 * that whole key, never `secret12`). Throws naming the bad entry without echoing any key.
 */
export function parseApiKeys(text: string, source: ApiKeysSource = 'inline'): ApiKey[] {
  // Comments only where they cannot be part of a key: stripping "#..." inside an entry once
  // truncated a key to a prefix that then authenticated on its own.
  const lines = text
    .split('\n')
    .filter((line) => !(source === 'file' && line.trimStart().startsWith('#')));
  const entries = lines
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter(Boolean);
  const keys = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const client = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (colon <= 0 || !key) throw new Error(`entry ${i + 1} is not client:key`);
    if (!/^[\w.@-]{1,64}$/.test(client))
      throw new Error(`entry ${i + 1}: client id must be 1-64 of [A-Za-z0-9_.@-]`);
    if (key.length < 8)
      throw new Error(`entry ${i + 1} (${client}): key must be at least 8 characters`);
    return { client, key };
  });
  const seen = new Set<string>();
  for (const { key, client } of keys) {
    if (seen.has(key)) throw new Error(`two clients share a key (one of them is ${client})`);
    seen.add(key);
  }
  return keys;
}
