import { runChaosTrial, TrialReport } from '../support/chaos';
import { FAULT_KINDS } from '../support/chaos-faults';
import { ChaosRig } from '../support/chaos-rig';
import { formatSummary, summarize } from '../support/chaos-summary';

// Trials start while less than this has passed (each takes ~2-20 s), and go on past it only until
// workers and Redis were killed and some job delivered again.
const BUDGET_MS = 30_000;
const MAX_TRIALS = 8;
const MIN_TRIALS = 2;

describe('even-sum under random faults: duplicate deliveries, worker SIGKILLs, Redis SIGKILL and restart (AOF, appendfsync always)', () => {
  let rig: ChaosRig;

  beforeAll(async () => {
    rig = await ChaosRig.start({ chunkBytes: 128 * 1024 });
  });
  afterAll(() => rig?.stop());

  it('ends every task finished with the exact sum or errored with a reason, none wrong, none stuck', async () => {
    // A new seed each run explores new schedules; CHAOS_SEED replays a failing one.
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000_000);
    const started = Date.now();
    const reports: TrialReport[] = [];
    // Kills, and duplicates of some kind, must have happened. Which duplicate kinds a short run
    // hits depends on timing (on an idle machine small tasks can end before a recorded chunk is
    // seen pending); redelivery.e2e-spec.ts covers each duplicate case deterministically.
    const faultsHappened = () => {
      const { faults } = summarize(reports);
      const dups = FAULT_KINDS.filter((k) => k.startsWith('dup-')).reduce(
        (n, k) => n + faults[k],
        0,
      );
      return faults['kill-worker'] > 0 && faults['kill-redis'] > 0 && dups > 0;
    };
    while (
      reports.length < MIN_TRIALS ||
      (reports.length < MAX_TRIALS && (Date.now() - started < BUDGET_MS || !faultsHappened()))
    )
      reports.push(await runChaosTrial(rig, { seed: seed + reports.length, settleMs: 40_000 }));
    const summary = summarize(reports);
    // The table (and the diagnosis of any wrong or stuck task) is the evidence: always shown.
    console.log(`first seed ${seed} (CHAOS_SEED=${seed} replays it)\n${formatSummary(summary)}`);

    expect({
      wrong: summary.wrong,
      stuck: summary.stuck,
      progressOff: summary.progressOff,
    }).toEqual({ wrong: 0, stuck: 0, progressOff: 0 });
    expect(summary.reasons['(no reason given)']).toBeUndefined();
    expect(summary.exact).toBeGreaterThan(0);
    // The test proves something only if the faults happened.
    expect(faultsHappened()).toBe(true);
    expect(summary.undrained).toBe(0);
  });
});
