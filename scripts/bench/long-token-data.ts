import { prng } from '../../test/support/fuzz';

/** Numbers of minDigits..maxDigits digits (no leading zero), random signs, '\n' after each. */
export function numbers(bytes: number, minDigits: number, maxDigits: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(bytes, 10);
  let at = 0;
  for (;;) {
    const digits = minDigits + Math.floor(next() * (maxDigits - minDigits + 1));
    const negative = next() < 0.5;
    if (at + digits + (negative ? 1 : 0) + 1 > bytes) break;
    if (negative) out[at++] = 45;
    out[at++] = 49 + Math.floor(next() * 9);
    for (let k = 1; k < digits; k++) out[at++] = 48 + Math.floor(next() * 10);
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

/** One token: bytes − 1 digits and a '\n'; its last digit is 8, so the whole run is summed. */
export function digitRun(bytes: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(bytes, 10);
  out[0] = 49 + Math.floor(next() * 9);
  for (let k = 1; k < bytes - 1; k++) out[k] = 48 + Math.floor(next() * 10);
  out[bytes - 2] = 56; // even, so the whole run is summed
  return out;
}
