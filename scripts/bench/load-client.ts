import { decodePng } from '../../test/support/images';

export type Kind = 'randomize' | 'even-sum';

/** An even-sum input and its exact answer, made once per size. */
export interface NumbersFile {
  body: Buffer;
  sum: string;
  evenCount: number;
  count: number;
}

/** What the client loops submit and what they check the results against. */
export interface LoadInputs {
  png: Buffer;
  pngWidth: number;
  pngHeight: number;
  numbers: NumbersFile[];
}

/** Counters shared by every loop (one event loop, so plain fields are safe). */
export class LoadStats {
  readonly requests = { submit: 0, status: 0, result: 0 };
  /** Status polls answered 404 before the task was found (allowed, counted apart). */
  notFoundPolls = 0;
  readonly errors: string[] = [];
  readonly submitted = new Map<string, Kind>();
  readonly finished = new Set<string>();
  readonly leadMs: Record<Kind, number[]> = { randomize: [], 'even-sum': [] };
  /** The server's split of the lead time: enqueue → start, and start → finish. */
  readonly queueWaitMs: number[] = [];
  readonly executionMs: number[] = [];
  /** Submit sent → `finished` seen by the client (includes the polling delay). */
  readonly clientLeadMs: number[] = [];
  /** Time of each task's finish as seen by the client (seconds on the caller's clock). */
  readonly finishedAt: number[] = [];
  pngsDecoded = 0;

  get totalRequests(): number {
    return this.requests.submit + this.requests.status + this.requests.result;
  }

  error(message: string): void {
    this.errors.push(message);
  }
}

export interface LoopOptions {
  base: string;
  /** Sent with every request (the client's API key). */
  headers: Record<string, string>;
  /** Seeded choice of the next task, in [0, 1). */
  random: () => number;
  inputs: LoadInputs;
  stats: LoadStats;
  /** performance.now() after which no new task is submitted. */
  submitUntil: number;
  /** performance.now() after which in-flight tasks are abandoned (counted as timeouts). */
  drainUntil: number;
  taskTimeoutMs: number;
  /** Decode one randomize result in this many (status, type and signature are checked on all). */
  decodeEvery: number;
  /** Aborted on SIGINT: the loop stops at once. */
  signal: AbortSignal;
  /** Seconds since the run's time base, for `finishedAt`. */
  clock: () => number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 200;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One client: submit a task, poll it to its end, fetch and check the result; again until the deadline. */
export async function clientLoop(o: LoopOptions): Promise<void> {
  while (performance.now() < o.submitUntil && !o.signal.aborted) {
    const kind: Kind = o.random() < 0.5 ? 'randomize' : 'even-sum';
    const numbers = o.inputs.numbers[Math.floor(o.random() * o.inputs.numbers.length)];
    try {
      await oneTask(o, kind, numbers);
    } catch (err) {
      if (o.signal.aborted) return;
      o.stats.error(`${kind}: ${(err as Error).message}`);
      await sleep(100); // a failing stack must not turn the loop into a hot spin
    }
  }
}

async function oneTask(o: LoopOptions, kind: Kind, numbers: NumbersFile): Promise<void> {
  const { stats } = o;
  const sent = performance.now();
  const body = kind === 'randomize' ? o.inputs.png : numbers.body;
  stats.requests.submit++;
  const created = await request(o, `${o.base}/${kind}`, {
    method: 'POST',
    headers: { ...o.headers, 'content-type': kind === 'randomize' ? 'image/png' : 'text/plain' },
    body,
  });
  const token = (created.json as { token?: unknown } | undefined)?.token;
  if (created.status !== 201 || typeof token !== 'string')
    throw new Error(`submit answered ${created.status} ${created.text.slice(0, 200)}`);
  stats.submitted.set(token, kind);

  const final = await pollToEnd(o, kind, token, sent);
  if (final === undefined) return; // aborted
  if (final.status !== 'finished')
    throw new Error(`${token} ended ${String(final.status)}: ${String(final.error)}`);
  stats.clientLeadMs.push(performance.now() - sent);
  if (typeof final.leadTimeMs !== 'number')
    throw new Error(`${token}: finished status without leadTimeMs`);
  stats.leadMs[kind].push(final.leadTimeMs);
  if (typeof final.queueWaitMs === 'number') stats.queueWaitMs.push(final.queueWaitMs);
  if (typeof final.executionMs === 'number') stats.executionMs.push(final.executionMs);

  stats.requests.result++;
  const result = await request(o, `${o.base}/${kind}/${token}/result`, {});
  if (result.status !== 200)
    throw new Error(`${token}: result answered ${result.status} ${result.text.slice(0, 200)}`);
  if (kind === 'randomize') await checkPng(o, token, result.bytes, result.type);
  else checkSum(token, result.json, numbers);
  // Counted finished only once its result checked out: a wrong answer is an error, not a task done.
  stats.finished.add(token);
  stats.finishedAt.push(o.clock());
}

/** Polls the status, 25 ms first then backing off (×1.5) to 200 ms; undefined when aborted. */
async function pollToEnd(
  o: LoopOptions,
  kind: Kind,
  token: string,
  sent: number,
): Promise<Record<string, unknown> | undefined> {
  const giveUp = Math.min(sent + o.taskTimeoutMs, o.drainUntil);
  for (let wait = POLL_FIRST_MS; ; wait = Math.min(POLL_MAX_MS, Math.round(wait * 1.5))) {
    await sleep(wait);
    if (o.signal.aborted) return undefined;
    o.stats.requests.status++;
    const reply = await request(o, `${o.base}/${kind}/${token}/status`, {});
    if (reply.status === 404) o.stats.notFoundPolls++;
    else if (reply.status !== 200)
      throw new Error(`${token}: status answered ${reply.status} ${reply.text.slice(0, 200)}`);
    else {
      const body = reply.json as Record<string, unknown>;
      if (body.status === 'finished' || body.status === 'errored') return body;
    }
    if (performance.now() > giveUp) {
      const why = giveUp === o.drainUntil ? 'the drain deadline' : `${o.taskTimeoutMs} ms`;
      throw new Error(
        `${token}: timed out after ${why} (last status ${reply.status} ${reply.text.slice(0, 120)})`,
      );
    }
  }
}

async function checkPng(o: LoopOptions, token: string, png: Buffer, type: string): Promise<void> {
  if (!type.startsWith('image/png') || !png.subarray(0, 8).equals(PNG_SIGNATURE))
    throw new Error(`${token}: result is not a PNG (${type}, ${png.length} bytes)`);
  if ((o.stats.leadMs.randomize.length - 1) % o.decodeEvery !== 0) return; // the 1st, then every n-th
  const img = await decodePng(png);
  o.stats.pngsDecoded++;
  if (img.width !== o.inputs.pngWidth || img.height !== o.inputs.pngHeight) {
    throw new Error(
      `${token}: result is ${img.width}×${img.height}, input ${o.inputs.pngWidth}×${o.inputs.pngHeight}`,
    );
  }
}

function checkSum(token: string, body: unknown, want: NumbersFile): void {
  const got = body as
    { sum?: unknown; evenCount?: unknown; count?: unknown; bytes?: unknown } | undefined;
  if (
    got?.sum !== want.sum ||
    got.evenCount !== want.evenCount ||
    got.count !== want.count ||
    got.bytes !== want.body.length
  ) {
    throw new Error(
      `${token}: wrong result ${JSON.stringify(got)}, want sum ${want.sum} evenCount ${want.evenCount} count ${want.count} bytes ${want.body.length}`,
    );
  }
}

interface Answer {
  status: number;
  type: string;
  bytes: Buffer;
  text: string;
  json?: unknown;
}

/** fetch with a timeout, aborted with the run; the whole body read, JSON parsed when it says so. */
async function request(o: LoopOptions, url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, {
    headers: o.headers,
    ...init,
    signal: AbortSignal.any([o.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const isJson = type.includes('application/json');
  const text = isJson || type.startsWith('text/') ? bytes.toString() : '';
  return {
    status: res.status,
    type,
    bytes,
    text,
    json: isJson ? (JSON.parse(text) as unknown) : undefined,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
