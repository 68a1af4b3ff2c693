import { readFileSync } from 'node:fs';

/** One process to watch: a name for the table and its pid. */
export interface Watched {
  name: string;
  pid: number;
}

interface Sample {
  /** Seconds since the sampler started. */
  t: number;
  /** VmRSS in bytes, NaN when the process was gone. */
  rss: number[];
}

/** RSS summary of one process: the max over the run, and growth over the second half of a window. */
export interface RssSummary {
  name: string;
  maxBytes: number;
  q2MeanBytes: number;
  q4MeanBytes: number;
  /** Mean of the last quarter over mean of the second quarter, minus 1. */
  quarterGrowth: number;
  /** Slope of a least-squares line over the second half × its length, over the line's value at its start. */
  fitGrowth: number;
  /** Mean CPU use over the window, in cores (1.0 = one core busy). */
  cpuCores: number;
  samples: number;
}

// /proc/<pid>/stat counts CPU time in clock ticks; 100 per second on every Linux we run on.
const TICKS_PER_SECOND = 100;

/** VmRSS of `pid` in bytes, from /proc (Linux only); NaN when the process is gone. */
export function readRss(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** User + system CPU time of `pid` in seconds, from /proc; NaN when the process is gone. */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/** Samples the RSS of some processes every `intervalMs` until stopped. */
export class RssSampler {
  private readonly samples: Sample[] = [];
  private readonly cpuMarks = new Map<number, number[]>();
  private readonly started = performance.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly watched: Watched[],
    private readonly intervalMs = 1000,
  ) {}

  /** Seconds since the sampler was made (the time base of `summary`). */
  now(): number {
    return (performance.now() - this.started) / 1000;
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** Remembers every process's CPU time now, so `summary` can report CPU use between two marks. */
  markCpu(at: 'from' | 'to'): void {
    this.cpuMarks.set(at === 'from' ? 0 : 1, [
      this.now(),
      ...this.watched.map((w) => readCpuSeconds(w.pid)),
    ]);
  }

  /** Max over every sample; growth over the second half of [from, to] (seconds since start). */
  summary(from: number, to: number): RssSummary[] {
    const span = to - from;
    const inRange = (a: number, b: number) =>
      this.samples.filter((s) => s.t >= from + a * span && s.t <= from + b * span);
    const [cpuFrom, cpuTo] = [this.cpuMarks.get(0), this.cpuMarks.get(1)];
    return this.watched.map((w, i) => {
      const all = this.samples.map((s) => s.rss[i]).filter(Number.isFinite);
      const q2 = mean(inRange(0.25, 0.5).map((s) => s.rss[i]));
      const q4 = mean(inRange(0.75, 1).map((s) => s.rss[i]));
      const half = inRange(0.5, 1).filter((s) => Number.isFinite(s.rss[i]));
      const { slope, intercept } = linearFit(
        half.map((s) => s.t),
        half.map((s) => s.rss[i]),
      );
      const fitStart = intercept + slope * (from + span / 2);
      const cpuSeconds = cpuFrom && cpuTo ? cpuTo[i + 1] - cpuFrom[i + 1] : NaN;
      return {
        name: w.name,
        maxBytes: all.length ? Math.max(...all) : NaN,
        q2MeanBytes: q2,
        q4MeanBytes: q4,
        quarterGrowth: q4 / q2 - 1,
        fitGrowth: (slope * (span / 2)) / fitStart,
        cpuCores: cpuFrom && cpuTo ? cpuSeconds / (cpuTo[0] - cpuFrom[0]) : NaN,
        samples: all.length,
      };
    });
  }

  /** Every sample as CSV: seconds, then each process's RSS in MiB. */
  csv(): string {
    const head = ['t', ...this.watched.map((w) => w.name)].join(',');
    const rows = this.samples.map((s) =>
      [s.t.toFixed(1), ...s.rss.map((b) => (b / 1024 / 1024).toFixed(1))].join(','),
    );
    return [head, ...rows].join('\n') + '\n';
  }

  private sample(): void {
    this.samples.push({ t: this.now(), rss: this.watched.map((w) => readRss(w.pid)) });
  }
}

function mean(values: number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** Ordinary least squares y = intercept + slope·x (NaN when fewer than two points). */
function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number } {
  const n = xs.length;
  if (n < 2) return { slope: NaN, intercept: NaN };
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < n; k++) {
    sxy += (xs[k] - mx) * (ys[k] - my);
    sxx += (xs[k] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
