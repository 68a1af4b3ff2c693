import { SingleBar } from 'cli-progress';
import { formatBytes, formatDuration } from './format';

export interface ProgressOptions {
  /** A short word shown first: "upload", "process", "write". */
  label: string;
  unit: 'bytes' | 'chunks';
  /** 0 while unknown; update() can set it later. */
  total: number;
  /** Shown instead of the numbers until the first update (e.g. "waiting"). */
  note?: string;
}

/** One phase's progress: a bar on a terminal, plain lines otherwise. */
export interface Progress {
  /** `note` replaces the numbers while there are none to show (e.g. "queued"). */
  update(done: number, total?: number, note?: string): void;
  /** The phase is over: shows 100% and a summary (bytes, time, rate). */
  complete(): void;
  /** Ends the display without claiming completion (an error, Ctrl-C). */
  stop(): void;
}

export type ProgressFactory = (options: ProgressOptions) => Progress;

/** Bars when `stream` is a terminal; otherwise a plain line at most every `intervalMs`, plus the first and the last. */
export function progressFactory(
  stream: NodeJS.WriteStream = process.stderr,
  intervalMs = 2000,
): ProgressFactory {
  return (options) =>
    stream.isTTY ? new BarProgress(options, stream) : new LineProgress(options, stream, intervalMs);
}

/** Counts, rate over the last few seconds (so a stall shows at once), ETA, and their wording. */
class ProgressState {
  done = 0;
  total: number;
  note?: string;
  private readonly startedAt = Date.now();
  private readonly samples: [number, number][] = [];

  constructor(readonly options: ProgressOptions) {
    this.total = options.total;
    this.note = options.note;
  }

  set(done: number, total: number | undefined, note: string | undefined): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    this.note = note;
    const now = Date.now();
    const last = this.samples[this.samples.length - 1];
    if (!last || now - last[0] >= 100) this.samples.push([now, done]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
  }

  percent(): number {
    return this.total > 0 ? Math.min(100, Math.floor((100 * this.done) / this.total)) : 0;
  }

  /** Units per second over the sampling window (from the start while the window is short). */
  private rate(): number {
    const [t0, d0] =
      this.samples.length > 1 && Date.now() - this.samples[0][0] > 1000
        ? this.samples[0]
        : [this.startedAt, 0];
    const seconds = (Date.now() - t0) / 1000;
    return seconds > 0 ? (this.done - d0) / seconds : 0;
  }

  detail(): string {
    if (this.note) return this.note;
    const rate = this.rate();
    const eta = rate > 0 ? formatDuration((this.total - this.done) / rate) : '?';
    if (this.options.unit === 'chunks') return `${this.done}/${this.total} chunks | ETA ${eta}`;
    return `${formatBytes(this.done)} / ${formatBytes(this.total)} | ${formatBytes(rate)}/s | ETA ${eta}`;
  }

  summary(): string {
    const seconds = (Date.now() - this.startedAt) / 1000;
    if (this.options.unit === 'chunks')
      return `${this.total}/${this.total} chunks in ${formatDuration(seconds)}`;
    const rate = seconds > 0 ? `, ${formatBytes(this.total / seconds)}/s` : '';
    return `${formatBytes(this.total)} in ${formatDuration(seconds)}${rate}`;
  }
}

class BarProgress implements Progress {
  private readonly state: ProgressState;
  private readonly bar: SingleBar;
  private stopped = false;

  constructor(options: ProgressOptions, stream: NodeJS.WriteStream) {
    this.state = new ProgressState(options);
    this.bar = new SingleBar({
      format: `${options.label.padEnd(7)} [{bar}] {percentage}% | {detail}`,
      stream,
      barsize: 30,
      hideCursor: true,
      emptyOnZero: true,
      // Ctrl-C is ours to handle (abort the upload, then stop the bar): no handler of its own.
      gracefulExit: false,
    });
    this.bar.start(options.total, 0, { detail: this.state.detail() });
  }

  update(done: number, total?: number, note?: string): void {
    this.state.set(done, total, note);
    if (total !== undefined) this.bar.setTotal(total);
    this.bar.update(done, { detail: this.state.detail() });
  }

  complete(): void {
    if (this.stopped) return;
    this.bar.setTotal(Math.max(1, this.state.total));
    this.bar.update(Math.max(1, this.state.total), { detail: this.state.summary() });
    this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  private readonly state: ProgressState;
  private shownAt = 0;
  private stopped = false;

  constructor(
    options: ProgressOptions,
    private readonly stream: NodeJS.WritableStream,
    private readonly intervalMs: number,
  ) {
    this.state = new ProgressState(options);
  }

  update(done: number, total?: number, note?: string): void {
    const noteChanged = note !== this.state.note;
    this.state.set(done, total, note);
    const now = Date.now();
    if (this.stopped || (!noteChanged && now - this.shownAt < this.intervalMs)) return;
    this.shownAt = now;
    this.line(`${this.state.percent()}% | ${this.state.detail()}`);
  }

  complete(): void {
    if (this.stopped) return;
    this.line(`100% | ${this.state.summary()}`);
    this.stopped = true;
  }

  stop(): void {
    this.stopped = true;
  }

  private line(text: string): void {
    this.stream.write(`${this.state.options.label} ${text}\n`);
  }
}
