export interface ApiKey {
  client: string;
  key: string;
}

/**
 * Parses `alice:key1,bob:key2` (commas or newlines; `#` comments in files). Throws naming the bad
 * entry without echoing any key.
 */
export function parseApiKeys(text: string): ApiKey[] {
  const entries = text
    .split(/[,\n]/)
    .map((line) => line.replace(/#.*/, '').trim())
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
