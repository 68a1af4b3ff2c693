// npm run bench:chaos [-- --minutes 2 --seed <n> --trials <n> --tasks 4 --chunk-kib 128
//   --appendfsync always|everysec --faults kill-worker,kill-redis,dup-chunk-pending,dup-chunk-recorded,dup-plan,dup-after-end]
// Randomized fault injection against the real api and two workers on a private redis-server
// (AOF, appendfsync always): trial after trial, even-sum tasks with known answers (some with a
// bad token) are submitted while the harness SIGKILLs workers, SIGKILLs and restarts Redis and
// delivers plan and chunk jobs again (test/support/chaos.ts). Runs trials until --minutes are
// up (or --trials are done), prints a line per trial and one summary table: faults by kind,
// finished exact, finished wrong, errored (reasons grouped), stuck, with a diagnosis of every
// wrong or stuck task. Trial i uses seed + i: `--seed <its seed> --trials 1` replays one.
// Exits 1 if any task finished wrong or got stuck.
import { ChaosRig } from '../test/support/chaos-rig';
import { runChaosTrial, TrialReport } from '../test/support/chaos';
import { FAULT_KINDS, FaultKind } from '../test/support/chaos-faults';
import { formatSummary, summarize, trialLine } from '../test/support/chaos-summary';
import { arg, machineLine } from './bench/bench-util';

function faultKinds(list: string): FaultKind[] {
  const kinds = list.split(',').filter(Boolean);
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length)
    throw new Error(
      `unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}`,
    );
  return kinds as FaultKind[];
}

async function main(): Promise<void> {
  const minutes = Number(arg('minutes', '2'));
  const maxTrials = Number(arg('trials', 'Infinity'));
  const seed = Number(arg('seed', String(Date.now() % 1_000_000_000)));
  const tasks = Number(arg('tasks', '4'));
  const chunkBytes = Number(arg('chunk-kib', '128')) * 1024;
  const kinds = faultKinds(arg('faults', FAULT_KINDS.join(',')));
  // everysec (docker-compose's setting) may lose the last second of acknowledged writes to a SIGKILL.
  const appendfsync = arg('appendfsync', 'always');
  if (appendfsync !== 'always' && appendfsync !== 'everysec')
    throw new Error(`--appendfsync is always or everysec, not ${appendfsync}`);

  console.log(machineLine());
  console.log(
    `chaos: ${minutes} min, first seed ${seed}, ${tasks} tasks per trial, chunks of ${chunkBytes} bytes, appendfsync ${appendfsync}, faults ${kinds.join(', ')}`,
  );
  const rig = await ChaosRig.start({ chunkBytes, appendfsync });
  const reports: TrialReport[] = [];
  const until = Date.now() + minutes * 60_000;
  let interrupted = false;
  process.once('SIGINT', () => (interrupted = true));
  try {
    for (let i = 0; i < maxTrials && Date.now() < until && !interrupted; i++) {
      const report = await runChaosTrial(rig, { seed: seed + i, tasks, kinds });
      reports.push(report);
      console.log(trialLine(i, report));
    }
  } finally {
    // The figures first: they must not depend on the teardown.
    const summary = summarize(reports);
    console.log(`\n${formatSummary(summary)}`);
    // A worker started during an outage exits at boot ("Connection is closed"); the rig starts it again.
    console.log(`worker starts that failed while booting: ${rig.bootFailures}`);
    process.exitCode = summary.wrong || summary.stuck ? 1 : 0;
    await rig.stop();
  }
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
