/** Raw bytes kept of a bad token: 41 characters of 4-byte UTF-8 at most, so 40 survive decoding. */
export const BAD_TOKEN_BYTES = 164;
const SHOWN_CHARS = 40;

/** The bad token as shown to users: UTF-8 decoded (invalid bytes become U+FFFD), 40 characters at most. */
export function displayToken(latin1Bytes: string, truncated: boolean): string {
  const chars = Array.from(Buffer.from(latin1Bytes, 'latin1').toString('utf8'));
  if (!truncated && chars.length <= SHOWN_CHARS) return chars.join('');
  return chars.slice(0, SHOWN_CHARS).join('') + '…';
}

/** The task's error message, e.g. `invalid token "12a" at byte 1048577 (line 104858)`. */
export function invalidTokenMessage(token: string, offset: number, line: number): string {
  return `invalid token ${quote(token)} at byte ${offset} (line ${line})`;
}

// JSON.stringify escapes C0 controls, quotes and backslashes; DEL, C1 controls, invisible format
// characters (a BOM in mid-file, zero-width spaces) and line separators would still be invisible
// or break a log line, so they are escaped too.
function quote(text: string): string {
  return JSON.stringify(text).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (ch) =>
    Array.from(
      { length: ch.length },
      (_, k) => '\\u' + ch.charCodeAt(k).toString(16).padStart(4, '0'),
    ).join(''),
  );
}
