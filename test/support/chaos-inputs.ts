import { generateNumbers } from '../../apps/cli/src/numbers/number-generator';
import { invalidTokenMessage } from '@app/tasks/even-sum';
import { int, Rand } from './fuzz';

/** What a chaos task must end with: this exact result, or errored with this exact message. */
export type ChaosExpectation =
  { kind: 'sum'; sum: string; evenCount: number; count: number } | { kind: 'error'; error: string };

/** One even-sum input of a chaos trial and its answer, known before it is submitted. */
export interface ChaosInput {
  body: Buffer;
  expected: ChaosExpectation;
}

/**
 * A generated numbers file of `bytes` (newline-separated, some negative: the generator keeps the
 * exact sum); with `bad`, the first digit of one random number becomes `x`, so the task must end
 * errored naming that token, its byte offset and its line, wherever it falls among the chunks.
 */
export async function chaosInput(
  rand: Rand,
  bytes: number,
  bad: boolean,
  seed: number,
): Promise<ChaosInput> {
  const { stream, expected } = generateNumbers({ bytes, seed, negative: true });
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  const body = Buffer.concat(parts);
  const answer = await expected;
  if (!bad) return { body, expected: { kind: 'sum', ...answer } };

  const isDigit = (b: number | undefined) => b !== undefined && b >= 48 && b <= 57;
  let start = int(rand, 0, body.length - 1);
  while (start < body.length && !isDigit(body[start])) start++;
  // Past the last number (the tail is newline padding): take the first number instead.
  if (start === body.length) start = body.findIndex((b) => isDigit(b));
  if (start < 0) return { body, expected: { kind: 'sum', ...answer } };
  // Back to the token's first byte (a '-' or '+' sign belongs to it).
  while (start > 0 && body[start - 1] !== 10) start--;
  let end = start;
  while (end < body.length && body[end] !== 10) end++;
  const signed = body[start] === 45 || body[start] === 43;
  body[signed ? start + 1 : start] = 120; // 'x'
  const token = body.toString('latin1', start, end);
  let line = 1;
  for (let i = 0; i < start; i++) if (body[i] === 10) line++;
  return { body, expected: { kind: 'error', error: invalidTokenMessage(token, start, line) } };
}
