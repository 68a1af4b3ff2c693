import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The plain C loop the even-sum targets are stated against: one core, a byte at a time, 1 MiB
// reads, the sum in __int128. Only for the default data (no token longer than 18 digits).
const SOURCE = String.raw`
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY);
  static unsigned char buf[1 << 20];
  __int128 sum = 0; long long v = 0, count = 0, even = 0; int neg = 0, in = 0; ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      unsigned c = buf[i];
      if (c - '0' < 10) { v = v * 10 + (c - '0'); in = 1; }
      else if (c == '-') neg = 1;
      else { if (in) { count++; if (!(v & 1)) { even++; sum += neg ? -v : v; } } v = 0; neg = 0; in = 0; }
    }
  }
  if (in) { count++; if (!(v & 1)) { even++; sum += neg ? -v : v; } }
  char s[64]; int k = 63; s[k] = 0; int sg = sum < 0; unsigned __int128 u = sg ? -sum : sum;
  do { s[--k] = '0' + (int)(u % 10); u /= 10; } while (u);
  if (sg) s[--k] = '-';
  printf("{\"sum\":\"%s\",\"evenCount\":%lld,\"count\":%lld}\n", s + k, even, count);
  return 0;
}
`;

/** Compiles the C reference with the system compiler (cc -O2) into `dir`; returns the binary's path. */
export function compileCReference(dir: string): string {
  const source = join(dir, 'even-sum-reference.c');
  const binary = join(dir, 'even-sum-reference');
  writeFileSync(source, SOURCE);
  const cc = spawnSync('cc', ['-O2', '-o', binary, source], { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('cc -O2 failed: a C compiler is needed for the reference');
  return binary;
}

/**
 * Runs the C reference over `file`: its answer, its wall time and (through /usr/bin/time, when
 * there is one) its CPU time in ms: on a loaded machine, CPU time is what compares per core.
 */
export function runCReference(
  binary: string,
  file: string,
): { ms: number; cpuMs?: number; result: { sum: string; evenCount: number; count: number } } {
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const run = timed
    ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', binary, file], { encoding: 'utf8' })
    : spawnSync(binary, [file], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (run.status !== 0) throw new Error(`C reference failed: ${run.stderr}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr);
  return {
    ms,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined,
    result: JSON.parse(run.stdout) as { sum: string; evenCount: number; count: number },
  };
}
