import { randomInt } from 'node:crypto';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/**
 * A uniformly random permutation of 0..n-1 (Fisher–Yates). With a seed the permutation is
 * reproducible (xoroshiro128+, unbiased integer draws from pure-rand); without one, each draw
 * comes from the CSPRNG.
 */
export function blockPermutation(n: number, seed?: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const draw = seededOrSecure(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = draw(i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/** Returns a function giving a uniform integer in [0, max]. */
function seededOrSecure(seed?: number): (max: number) => number {
  if (seed === undefined) return (max) => randomInt(max + 1);
  const rng = xoroshiro128plus(seed);
  return (max) => unsafeUniformIntDistribution(0, max, rng);
}
