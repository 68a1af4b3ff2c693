import { generateNumbers } from '../../apps/cli/src/numbers/number-generator';

/** A generated numbers file in memory, with its exact expected result. */
export async function numbersFile(bytes: number, seed: number) {
  const { stream, expected } = generateNumbers({ bytes, seed, negative: true, maxDigits: 30 });
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  return { data: Buffer.concat(pieces), expected: await expected };
}
