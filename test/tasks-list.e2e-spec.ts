import { http } from './support/http';
import { randomPng } from './support/images';
import { withRedis } from './support/faults';
import { pollUntil } from './support/poll';
import { Stack } from './support/stack';

const keyOf = (client: string): Record<string, string> => ({
  authorization: `Bearer ${client}-key-0001`,
});

interface Entry {
  token: string;
  kind: string;
  status: string;
  requestedAt: string;
  finishedAt?: string;
  bytes?: number;
}
interface Page {
  tasks: Entry[];
  nextCursor: string | null;
}

/** GET /tasks over 250 tasks of two clients, against the real api (no worker: tasks stay queued). */
describe('GET /tasks (real api + Redis)', () => {
  let stack: Stack;
  /** Each client's tasks as submitted: token → kind. */
  const submitted: Record<string, Map<string, string>> = { alice: new Map(), bob: new Map() };
  const cancelled = new Set<string>();

  const list = (client: string, query = '') =>
    http<Page & { error?: string }>(`${stack.url}/tasks${query}`, { headers: keyOf(client) });

  /** Every page with `query`, following nextCursor; checks each page's size. */
  const listAll = async (client: string, query: string, limit: number): Promise<Entry[]> => {
    const all: Entry[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const sep = query ? '&' : '';
      const res = await list(
        client,
        `?${query}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.tasks.length).toBeLessThanOrEqual(limit);
      all.push(...res.body.tasks);
      cursor = res.body.nextCursor;
      if (!cursor) return all;
      // Unfiltered, every page but the last is full.
      if (!query) expect(res.body.tasks).toHaveLength(limit);
    }
    throw new Error('too many pages');
  };

  beforeAll(async () => {
    stack = await Stack.start({
      workers: 0,
      env: {
        API_KEYS: ['alice', 'bob'].map((c) => `${c}:${c}-key-0001`).join(','),
        RATE_LIMIT_PER_MINUTE: '10000',
      },
    });
    const png = await randomPng(64, 64);
    // 150 for alice (25 of them images), 100 for bob, interleaved, a few at a time.
    const jobs: (() => Promise<void>)[] = [];
    for (let i = 0; i < 250; i++) {
      const client = i % 5 < 3 ? 'alice' : 'bob';
      const image = i % 10 === 0;
      jobs.push(async () => {
        const res = await http(`${stack.url}/${image ? 'randomize' : 'even-sum'}`, {
          method: 'POST',
          headers: { ...keyOf(client), 'content-type': image ? 'image/png' : 'text/plain' },
          body: image ? png : `${i} ${i + 1}\n`,
        });
        expect(res.status).toBe(201);
        submitted[client].set(res.body.token as string, image ? 'randomize' : 'even-sum');
      });
    }
    while (jobs.length) await Promise.all(jobs.splice(0, 8).map((job) => job()));
    // Some of alice's even-sums cancelled, so states differ.
    const aliceEvenSums = [...submitted.alice].filter(([, k]) => k === 'even-sum').slice(0, 12);
    for (const [token] of aliceEvenSums) {
      const res = await http(`${stack.url}/even-sum/${token}`, {
        method: 'DELETE',
        headers: keyOf('alice'),
      });
      expect(res.status).toBe(200);
      cancelled.add(token);
    }
  }, 120_000);
  afterAll(() => stack?.stop());

  it.each([
    ['alice', 150],
    ['bob', 100],
  ])(
    'pages through all of %s’s %i tasks, newest first, each once, none of the other client’s',
    async (client, count) => {
      const all = await listAll(client, '', 7);
      expect(all).toHaveLength(count);
      expect(new Set(all.map((e) => e.token))).toEqual(new Set(submitted[client].keys()));
      for (let i = 1; i < all.length; i++)
        expect(Date.parse(all[i - 1].requestedAt)).toBeGreaterThanOrEqual(
          Date.parse(all[i].requestedAt),
        );
      for (const e of all) {
        expect(e.kind).toBe(submitted[client].get(e.token));
        expect(e.status).toBe(cancelled.has(e.token) ? 'cancelled' : 'requested');
        expect(e.bytes).toBeGreaterThan(0);
      }
    },
  );

  it('answers 20 by default, and the first page starts with the newest task', async () => {
    const res = await list('bob');
    expect(res.body.tasks).toHaveLength(20);
    expect(res.body.nextCursor).toEqual(expect.any(String));
    const newest = await list('bob', '?limit=100');
    expect(res.body.tasks).toEqual(newest.body.tasks.slice(0, 20));
  });

  it('filters by kind and status, alone and together, across pages', async () => {
    const images = [...submitted.alice].filter(([, k]) => k === 'randomize').map(([t]) => t);
    expect(images.length).toBe(25);
    const byKind = await listAll('alice', 'kind=randomize', 4);
    expect(byKind.map((e) => e.token).sort()).toEqual(images.sort());
    const byStatus = await listAll('alice', 'status=cancelled', 5);
    expect(byStatus.map((e) => e.token).sort()).toEqual([...cancelled].sort());
    expect(await listAll('alice', 'kind=randomize&status=cancelled', 5)).toEqual([]);
    expect(await listAll('bob', 'status=cancelled', 5)).toEqual([]);
    expect((await listAll('bob', 'kind=even-sum&status=requested', 30)).length).toBe(
      [...submitted.bob.values()].filter((k) => k === 'even-sum').length,
    );
  });

  it('drops a task whose record expired (skipped and pruned from the index)', async () => {
    const [token] = [...submitted.bob.keys()];
    await withRedis(stack, (redis) => redis.pexpire(`${stack.prefix}:task:${token}`, 1));
    await pollUntil(
      async () =>
        (await listAll('bob', '', 100)).some((e) => e.token === token) ? undefined : true,
      10_000,
      'the expired task to leave the listing',
    );
    // Pruned from the index, not only skipped.
    expect(
      await withRedis(stack, (redis) => redis.zscore(`${stack.prefix}:client:bob:tasks`, token)),
    ).toBeNull();
    submitted.bob.delete(token);
    expect(await listAll('bob', '', 100)).toHaveLength(99);
  });

  it('pages exactly through many tasks requested in the same millisecond', async () => {
    // Records as TaskStore.create writes them, all stamped 1000 ms after the epoch: only the
    // token orders them, and a cursor must not repeat or skip any across page boundaries.
    const ties = Array.from({ length: 30 }, (_, i) => i.toString(16).padStart(32, 'a'));
    await withRedis(stack, async (redis) => {
      const multi = redis.multi();
      for (const token of ties) {
        multi.hset(`${stack.prefix}:task:${token}`, {
          token,
          task: 'even-sum',
          client: 'bob',
          status: 'requested',
          requestedAt: 1000,
          inputKey: `${token}/input.txt`,
          bytes: 1,
        });
        multi.expire(`${stack.prefix}:task:${token}`, 600);
        multi.zadd(`${stack.prefix}:client:bob:tasks`, 1000, token);
      }
      await multi.exec();
    });
    const all = await listAll('bob', '', 7);
    expect(all).toHaveLength(submitted.bob.size + ties.length);
    expect(all.slice(-ties.length).map((e) => e.token)).toEqual([...ties].sort().reverse());
    expect(new Set(all.map((e) => e.token)).size).toBe(all.length);
  });

  it.each([
    ['?limit=0', /limit/],
    ['?limit=101', /limit/],
    ['?limit=ten', /limit/],
    ['?limit=1&limit=2', /limit/],
    ['?kind=resize', /kind/],
    ['?status=done', /status/],
    ['?cursor=garbage!', /cursor/],
    ['?cursor=bm90LWEtY3Vyc29y', /cursor/],
    ['?page=2', /unknown query parameter: page/],
  ])('answers 400 {error} for %s', async (query, error) => {
    const res = await list('alice', query);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(error) });
  });

  it('answers 401 without a key', async () => {
    expect((await http(`${stack.url}/tasks`)).status).toBe(401);
  });
});
