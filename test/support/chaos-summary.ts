import { FAULT_KINDS, FaultKind } from './chaos-faults';
import type { TaskOutcome, TrialReport } from './chaos';

/** The figures of many chaos trials together. */
export interface ChaosSummary {
  trials: number;
  tasks: number;
  durationMs: number;
  faults: Record<FaultKind, number>;
  resubmits: number;
  exact: number;
  wrong: number;
  errored: number;
  stuck: number;
  /** Finished tasks whose progress was not exactly total/total. */
  progressOff: number;
  /** Trials whose queues still held jobs at the end. */
  undrained: number;
  /** Errored tasks by reason (numbers and tokens replaced by placeholders). */
  reasons: Record<string, number>;
  /** Every wrong, stuck or progress-off task with its trial's seed. */
  failures: (TaskOutcome & { seed: number })[];
}

/** An error message with its specifics blanked, so that like reasons count together. */
export function reasonOf(error: string | undefined): string {
  if (!error) return '(no reason given)';
  return error
    .replace(/invalid token ".*?" at byte \d+ \(line \d+\)/, 'invalid token "…" at byte N (line N)')
    .replace(/\d+/g, 'N');
}

export function summarize(reports: TrialReport[]): ChaosSummary {
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const summary: ChaosSummary = {
    trials: reports.length,
    tasks: 0,
    durationMs: 0,
    faults,
    resubmits: 0,
    exact: 0,
    wrong: 0,
    errored: 0,
    stuck: 0,
    progressOff: 0,
    undrained: 0,
    reasons: {},
    failures: [],
  };
  for (const report of reports) {
    summary.durationMs += report.durationMs;
    summary.resubmits += report.resubmits;
    if (!report.drained) summary.undrained++;
    for (const kind of FAULT_KINDS) faults[kind] += report.faults[kind];
    for (const task of report.tasks) {
      summary.tasks++;
      summary[task.verdict]++;
      if (task.progressOff) summary.progressOff++;
      if (task.verdict === 'errored') {
        const reason = reasonOf(task.error);
        summary.reasons[reason] = (summary.reasons[reason] ?? 0) + 1;
      }
      if (task.verdict === 'wrong' || task.verdict === 'stuck' || task.progressOff)
        summary.failures.push({ ...task, seed: report.seed });
    }
  }
  return summary;
}

/** One line per trial, for a running log. */
export function trialLine(index: number, report: TrialReport): string {
  const count = (v: TaskOutcome['verdict']) => report.tasks.filter((t) => t.verdict === v).length;
  const faults = FAULT_KINDS.filter((k) => report.faults[k])
    .map((k) => `${k} ${report.faults[k]}`)
    .join(', ');
  return (
    `trial ${index} seed ${report.seed}: ${report.tasks.length} tasks in ${(report.durationMs / 1000).toFixed(1)} s; ` +
    `exact ${count('exact')}, wrong ${count('wrong')}, errored ${count('errored')}, stuck ${count('stuck')}; ` +
    `faults: ${faults || 'none'}${report.drained ? '' : `; queues not drained: ${report.leftover}`}`
  );
}

/** The summary as a table, then every failure with its diagnosis. */
export function formatSummary(s: ChaosSummary): string {
  const rows: [string, string | number][] = [
    ['trials', s.trials],
    ['tasks', s.tasks],
    ['time in trials', `${(s.durationMs / 1000).toFixed(0)} s`],
    ...FAULT_KINDS.map((k): [string, number] => [`faults: ${k}`, s.faults[k]]),
    ['faults: total', FAULT_KINDS.reduce((n, k) => n + s.faults[k], 0)],
    ['submissions sent again (503 in an outage)', s.resubmits],
    ['finished exact', s.exact],
    ['finished wrong (or wrong bad-token report)', s.wrong],
    ['errored (with a reason)', s.errored],
    ...Object.entries(s.reasons).map(([reason, n]): [string, number] => [`  ${reason}`, n]),
    ['stuck (not ended by the deadline)', s.stuck],
    ['finished with progress not total/total', s.progressOff],
    ['trials whose queues did not drain', s.undrained],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const table = rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
  const failures = s.failures.map(
    (f) =>
      `\n${f.verdict.toUpperCase()} ${f.token} (trial seed ${f.seed}, ${f.bytes} bytes, status ${f.status})` +
      `\n  expected ${JSON.stringify(f.expected)}\n  got ${f.error ?? f.status}` +
      (f.progressOff ? `\n  progress ${f.progressOff}` : '') +
      (f.detail ? `\n${f.detail.replace(/^/gm, '  ')}` : ''),
  );
  return [table, ...failures].join('\n');
}
