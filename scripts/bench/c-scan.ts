import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The plain single-core C loop the scan is measured against: reads the file in 1 MiB blocks and
 * sums the even integers (signed, fits in 128 bits: the generated files' numbers are < 10^10).
 * No validation beyond what a loop needs; it is the floor of what one core does with these bytes.
 */
const SOURCE = `#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb"); if (!f) return 2;
  static unsigned char buf[1 << 20];
  __int128 sum = 0; long long v = 0, count = 0, even = 0; int in = 0, neg = 0; size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    for (size_t i = 0; i < n; i++) {
      unsigned c = buf[i];
      if (c - '0' < 10) { v = v * 10 + (c - '0'); in = 1; }
      else if (c == '-' || c == '+') { neg = c == '-'; }
      else if (in) { count++; if (!(v & 1)) { even++; sum += neg ? -v : v; } v = 0; in = 0; neg = 0; }
    }
  }
  if (in) { count++; if (!(v & 1)) { even++; sum += neg ? -v : v; } }
  char out[64]; int p = 63; out[p] = 0; int s = sum < 0; unsigned __int128 u = s ? -sum : sum;
  do { out[--p] = '0' + (int)(u % 10); u /= 10; } while (u);
  if (s) out[--p] = '-';
  printf("%s %lld %lld\\n", out + p, even, count);
  return 0;
}
`;

/** Compiles the C reference with the system `cc -O2` into `dir`; returns the binary's path. */
export function compileCScan(dir: string): string {
  const src = join(dir, 'even-sum-ref.c');
  const bin = join(dir, 'even-sum-ref');
  writeFileSync(src, SOURCE);
  const cc = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
  return bin;
}

/** Runs the C reference on `file`: seconds, and its sum/evenCount/count. */
export function runCScan(
  bin: string,
  file: string,
): { seconds: number; sum: string; evenCount: number; count: number } {
  const t0 = performance.now();
  const run = spawnSync(bin, [file], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`C scan failed (${run.status}): ${run.stderr}`);
  const [sum, evenCount, count] = run.stdout.trim().split(' ');
  return { seconds, sum, evenCount: Number(evenCount), count: Number(count) };
}
