import { cpus } from 'node:os';

/** The p-th percentile (0..100) of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `--name value` from argv, or the default. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** One line naming the machine and the date, for docs/benchmarks.md. */
export function machineLine(): string {
  return `${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'} · Node ${process.version}`;
}

/** Runs `worker` from `concurrency` loops until `total` items are taken. */
export async function runConcurrently(
  total: number,
  concurrency: number,
  worker: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await worker(next++);
    }),
  );
}
