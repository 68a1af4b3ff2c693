import { QueueName } from '@app/tasks/queues';
import { ChaosExpectation, chaosInput, ChaosInput } from './chaos-inputs';
import { ChaosRig, DuplicateQueue } from './chaos-rig';
import { FAULT_KINDS, FaultEvent, FaultInjector, FaultKind, snapshot } from './chaos-faults';
import { diagnose } from './chaos-diagnose';
import { http } from './http';
import { int, prng } from './fuzz';

const KiB = 1024;

export interface ChaosTrialOptions {
  seed: number;
  /** Even-sum tasks submitted per trial. */
  tasks?: number;
  minBytes?: number;
  maxBytes?: number;
  /** Share of inputs with one bad token (they must end errored naming it). */
  badShare?: number;
  /** Faults are injected for at most this long (less when every task has ended before). */
  faultPhaseMs?: number;
  /** Pause between two faults, drawn uniformly. */
  faultGapMs?: [number, number];
  /** After the faults: how long every task has to end before it counts as stuck. */
  settleMs?: number;
  kinds?: readonly FaultKind[];
}

/** How one task ended, judged against its known answer. */
export type Verdict = 'exact' | 'wrong' | 'errored' | 'stuck';

export interface TaskOutcome {
  token: string;
  bytes: number;
  expected: ChaosExpectation;
  verdict: Verdict;
  status: string;
  error?: string;
  /** Finished but its progress is not exactly total/total (chunks or bytes short or past it). */
  progressOff?: string;
  /** Why it is wrong or stuck: Redis state, jobs, faults aimed at it, worker log lines. */
  detail?: string;
}

export interface TrialReport {
  seed: number;
  durationMs: number;
  faults: Record<FaultKind, number>;
  events: FaultEvent[];
  /** Submissions answered 503 (or cut) during an outage and sent again. */
  resubmits: number;
  /** Whether the plan and chunk queues were empty at the end (late duplicates ran). */
  drained: boolean;
  /** When not drained: the jobs left, by queue and state, and which worker processes were live. */
  leftover?: string;
  tasks: TaskOutcome[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a numbers file until the api gives it a token (503 while Redis is down: try again). */
async function submit(rig: ChaosRig, body: Buffer, deadline: number) {
  let resubmits = 0;
  for (;;) {
    const reply = await http<{ token?: string; error?: string }>(`${rig.url}/even-sum`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
      signal: AbortSignal.timeout(20_000),
    }).catch((err: Error) => ({ status: 0, body: { token: undefined, error: err.message } }));
    if (reply.status === 201 && reply.body.token) return { token: reply.body.token, resubmits };
    if (reply.status !== 0 && reply.status !== 503)
      throw new Error(`submission refused: ${reply.status} ${JSON.stringify(reply.body)}`);
    if (Date.now() > deadline)
      throw new Error(`no token after ${resubmits + 1} tries: ${JSON.stringify(reply.body)}`);
    resubmits++;
    await sleep(200);
  }
}

async function statusOf(rig: ChaosRig, token: string): Promise<Record<string, unknown>> {
  const reply = await http(`${rig.url}/even-sum/${token}/status`, {
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  return reply?.status === 200 ? reply.body : {};
}

const isEnded = (status: unknown) => status === 'finished' || status === 'errored';

async function drained(rig: ChaosRig): Promise<boolean> {
  // Read with the plain probe client: bull's own clients reconnect with a backoff of up to 20 s.
  const pipeline = rig.probe.pipeline();
  for (const name of [QueueName.EvenSum, QueueName.EvenSumChunk]) {
    pipeline.llen(`${rig.prefix}:${name}:wait`);
    pipeline.llen(`${rig.prefix}:${name}:active`);
    pipeline.zcard(`${rig.prefix}:${name}:delayed`);
  }
  const replies = await pipeline.exec().catch(() => null);
  return !!replies && replies.every(([err, n]) => !err && n === 0);
}

/** The jobs still queued after the settle deadline, with their states and attempts. */
async function leftoverJobs(rig: ChaosRig): Promise<string> {
  const names: DuplicateQueue[] = [QueueName.EvenSum, QueueName.EvenSumChunk];
  const parts: string[] = [`live workers ${rig.liveWorkers().length}`];
  for (const name of names) {
    const jobs = await rig
      .queue(name)
      .getJobs(['waiting', 'active', 'delayed'], 0, 20)
      .catch(() => []);
    for (const job of jobs.filter(Boolean))
      parts.push(`${name}/${job.id}: ${await job.getState()}, attempts ${job.attemptsMade}`);
  }
  return parts.join('; ');
}

/** Compares a task's final state with its known answer. */
async function judge(
  rig: ChaosRig,
  token: string,
  input: ChaosInput,
): Promise<Omit<TaskOutcome, 'detail'>> {
  const status = await statusOf(rig, token);
  const base = {
    token,
    bytes: input.body.length,
    expected: input.expected,
    status: String(status.status ?? 'unknown'),
  };
  const expected = input.expected;
  if (status.status === 'errored') {
    const error = String(status.error ?? '');
    // A bad token must be reported exactly where it is, and a good file never has one; any other
    // reason (e.g. interrupted repeatedly) is allowed for any input as long as it is given.
    const wrongToken =
      /invalid token/.test(error) && (expected.kind !== 'error' || error !== expected.error);
    const verdict = wrongToken ? 'wrong' : 'errored';
    return { ...base, verdict, error };
  }
  if (status.status !== 'finished') return { ...base, verdict: 'stuck' };
  const result = await http(`${rig.url}/even-sum/${token}/result`);
  const got = result.body as { sum?: string; evenCount?: number; count?: number };
  const progress = status.progress as Record<string, number> | undefined;
  const progressOff =
    progress &&
    (progress.chunksDone !== progress.chunksTotal || progress.bytesDone !== progress.bytesTotal)
      ? JSON.stringify(progress)
      : undefined;
  const exact =
    expected.kind === 'sum' &&
    got.sum === expected.sum &&
    got.evenCount === expected.evenCount &&
    got.count === expected.count;
  return {
    ...base,
    verdict: exact ? 'exact' : 'wrong',
    error: exact ? undefined : `finished with ${JSON.stringify(got)}`,
    progressOff,
  };
}

/**
 * One chaos trial: submits `tasks` generated files with known answers (some with a bad token),
 * injects faults at random moments while they run, then stops, brings Redis and the workers back,
 * waits for every task to end (and every duplicate to run) and judges each one. Everything random
 * comes from `seed`: the same seed gives the same inputs and the same sequence of fault draws.
 */
export async function runChaosTrial(
  rig: ChaosRig,
  options: ChaosTrialOptions,
): Promise<TrialReport> {
  const {
    seed,
    tasks = 4,
    minBytes = 256 * KiB,
    maxBytes = 3 * 1024 * KiB,
    badShare = 0.2,
    faultPhaseMs = 8000,
    faultGapMs = [100, 500],
    settleMs = 60_000,
    kinds = FAULT_KINDS,
  } = options;
  const rand = prng(seed);
  const faultRand = prng(seed ^ 0x5bd1e995);
  const inputs: ChaosInput[] = [];
  for (let i = 0; i < tasks; i++) {
    // One in five is a single chunk or less (scanned by its plan job).
    const bytes = rand() < 0.2 ? int(rand, 1, rig.chunkBytes) : int(rand, minBytes, maxBytes);
    inputs.push(await chaosInput(rand, bytes, rand() < badShare, int(rand, 1, 2 ** 30)));
  }
  const delays = inputs.map(() => int(rand, 0, 1500));

  const startedAt = Date.now();
  const injector = new FaultInjector(rig, faultRand, kinds, startedAt);
  const tokens: (string | undefined)[] = inputs.map(() => undefined);
  let resubmits = 0;
  const submissions = inputs.map(async (input, i) => {
    await sleep(delays[i]);
    const sent = await submit(rig, input.body, Date.now() + 60_000);
    tokens[i] = sent.token;
    resubmits += sent.resubmits;
  });
  const allSubmitted = Promise.all(submissions);
  let submitted = false;
  void allSubmitted.then(() => (submitted = true)).catch(() => undefined);

  // Faults while tasks run (and while they are being submitted).
  const faultDeadline = startedAt + faultPhaseMs;
  while (Date.now() < faultDeadline) {
    await sleep(int(faultRand, faultGapMs[0], faultGapMs[1]));
    const known = tokens.filter((t): t is string => t !== undefined);
    const tasksNow = rig.redisUp ? await snapshot(rig, known) : undefined;
    if (submitted && tasksNow?.every((t) => isEnded(t.status))) break;
    await injector.injectOne(tasksNow);
  }
  await allSubmitted;
  const known = tokens as string[];
  await rig.recover();
  // Late duplicates: a plan or chunk job of an ended task, which must change nothing.
  if (kinds.includes('dup-after-end')) {
    const tasksNow = (await snapshot(rig, known)) ?? [];
    for (const [i, task] of tasksNow.filter((t) => isEnded(t.status)).entries())
      if (i === 0 || faultRand() < 0.5) await injector.afterEnd([task]);
  }

  // Settle: every task ends and every queued job (duplicates included) has run, or the deadline.
  const settleDeadline = Date.now() + settleMs;
  const endedTokens = new Set<string>();
  let queuesEmpty = false;
  while (Date.now() < settleDeadline) {
    for (const token of known.filter((t) => !endedTokens.has(t)))
      if (isEnded((await statusOf(rig, token)).status)) endedTokens.add(token);
    if (endedTokens.size === known.length && (queuesEmpty = await drained(rig))) break;
    await sleep(200);
  }

  const leftover = queuesEmpty ? undefined : await leftoverJobs(rig);
  const outcomes: TaskOutcome[] = [];
  for (const [i, token] of known.entries()) {
    const outcome: TaskOutcome = await judge(rig, token, inputs[i]);
    if (outcome.verdict === 'wrong' || outcome.verdict === 'stuck' || outcome.progressOff)
      outcome.detail = await diagnose(rig, token, injector.events);
    outcomes.push(outcome);
  }
  return {
    seed,
    durationMs: Date.now() - startedAt,
    faults: { ...injector.counts },
    events: injector.events,
    resubmits,
    drained: queuesEmpty,
    leftover,
    tasks: outcomes,
  };
}
