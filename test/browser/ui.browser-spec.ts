import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { QueueName } from '@app/tasks/queues';
import { randomPng } from '../support/images';
import { http, waitForTask } from '../support/http';
import { pollUntil } from '../support/poll';
import { Stack } from '../support/stack';
import { launchChromium, offlineContext } from './chromium';

const ADMIN_TOKEN = 'browser-admin';
/** How long one UI step (render, click, response) may take; generous for a 2-core CI box. */
const STEP_MS = 20_000;
/** One read of the board inside a poll: short, so a slow render is retried rather than waited out. */
const READ_MS = 5_000;

/** Every route the api documents; `/health` is terminus' readiness plus its live/ready probes. */
const ROUTES = [
  'POST /randomize',
  'GET /randomize/{token}/status',
  'GET /randomize/{token}/result',
  'POST /even-sum',
  'PUT /even-sum',
  'GET /even-sum/{token}/status',
  'GET /even-sum/{token}/result',
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
];

/** Every queue the api registers; the board shows each, tasks' and maintenance's alike. */
const QUEUES = Object.values(QueueName);
type QueueCounts = { total: number; states: Record<string, number> };

/** The total of a queue's per-state counts. */
const sum = (counts: Record<string, number> = {}) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** `queue_jobs{queue,state}` from a Prometheus exposition, as queue → state → count. */
function queueJobs(exposition: string): Record<string, Record<string, number>> {
  const jobs: Record<string, Record<string, number>> = {};
  for (const [, queue, state, value] of exposition.matchAll(
    /^queue_jobs\{queue="([^"]+)",state="([^"]+)"\} (\d+)$/gm,
  )) {
    (jobs[queue] ??= {})[state] = Number(value);
  }
  return jobs;
}

/**
 * What Bull Board's overview shows per queue: the card's "N Jobs" and one progress bar per non-empty
 * state, titled with the state ("Delayed", "Waiting", …). Its class names are hashed per release;
 * its links, text and ARIA roles are not.
 */
async function boardCounts(
  page: Page,
  queues: readonly string[],
): Promise<Record<string, QueueCounts>> {
  const counts: Record<string, QueueCounts> = {};
  for (const queue of queues) {
    const card = page
      .locator('main li')
      .filter({ has: page.locator(`a[href="/queues/queue/${queue}"]`) });
    const total = await card.getByText(/^\d+ Jobs?$/).innerText({ timeout: READ_MS });
    const bars = await card
      .getByRole('progressbar')
      .evaluateAll((nodes) =>
        nodes.map(
          (n) => [n.getAttribute('title')?.toLowerCase() ?? '?', Number(n.textContent)] as const,
        ),
      );
    counts[queue] = { total: Number.parseInt(total, 10), states: Object.fromEntries(bars) };
  }
  return counts;
}

describe('the operator UIs in a real browser (Chromium, real api + worker)', () => {
  let stack: Stack;
  let browser: Browser;
  let token: string;
  const shots = mkdtempSync(join(tmpdir(), 'task-service-browser-'));

  /**
   * Runs `fn` on a fresh offline page (with the admin's Basic credentials if asked), closing its
   * context whatever happens; a failing step leaves `failed-<name>.png` next to the screenshots.
   */
  async function onPage(
    name: string,
    fn: (page: Page, external: string[]) => Promise<void>,
    withAdmin = false,
  ): Promise<void> {
    const { context, external } = await offlineContext(
      browser,
      new URL(stack.url).origin,
      withAdmin ? { httpCredentials: { username: 'ops', password: ADMIN_TOKEN } } : {},
    );
    // Every auto-wait (click, fill, innerText) is bounded, not Playwright's 30 s default.
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    try {
      await fn(page, external);
    } catch (err) {
      await page
        .screenshot({ path: join(shots, `failed-${name}.png`), fullPage: true })
        .catch(() => undefined);
      throw err;
    } finally {
      await context.close();
    }
  }

  beforeAll(async () => {
    console.info(`browser test screenshots: ${shots}`);
    stack = await Stack.start({ workers: 1, env: { ADMIN_TOKEN } });
    browser = await launchChromium();
    const created = await http<{ token: string }>(`${stack.url}/randomize`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await randomPng(120, 120),
    });
    expect(created.status).toBe(201);
    token = created.body.token;
    // Settled queues make the board's counts comparable with /metrics (finished jobs are removed).
    await waitForTask(stack.url, 'randomize', token);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  describe('Swagger UI at /docs', () => {
    it('renders from local assets and lists every documented route', async () => {
      const documented = (
        await http<{ paths: Record<string, Record<string, unknown>> }>(`${stack.url}/docs-json`)
      ).body.paths;
      const fromSpec = Object.entries(documented).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );

      await onPage('docs', async (page, external) => {
        await page.goto(`${stack.url}/docs`);
        const summaries = page.locator('.opblock-summary');
        await summaries.first().waitFor({ timeout: STEP_MS });
        const rendered = await summaries.evaluateAll((nodes) =>
          nodes.map(
            (n) =>
              `${n.querySelector('.opblock-summary-method')?.textContent} ${n.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
          ),
        );

        expect([...rendered].sort()).toEqual([...fromSpec].sort());
        expect(rendered).toEqual(expect.arrayContaining(ROUTES));
        expect(external).toEqual([]);
        await page.screenshot({ path: join(shots, '1-docs.png'), fullPage: true });
      });
    });

    it('executes a randomize status request through "Try it out" and shows 200 with the status body', async () => {
      await onPage('try-it-out', async (page) => {
        await page.goto(`${stack.url}/docs`);
        const operation = page.locator('.opblock').filter({
          has: page.locator('.opblock-summary-path[data-path="/randomize/{token}/status"]'),
        });
        await operation.locator('.opblock-summary-control').click({ timeout: STEP_MS });
        await operation.getByRole('button', { name: 'Try it out' }).click({ timeout: STEP_MS });
        await operation
          .locator('.parameters input[placeholder="token"]')
          .fill(token, { timeout: STEP_MS });
        await operation.getByRole('button', { name: 'Execute' }).click({ timeout: STEP_MS });

        // The request Swagger UI sent carries the typed token; the live table shows the server's reply.
        const requestUrl = operation.locator('.request-url pre');
        await requestUrl.waitFor({ timeout: STEP_MS });
        expect(await requestUrl.innerText()).toBe(`${stack.url}/randomize/${token}/status`);
        const reply = operation.locator('.responses-wrapper .live-responses-table tr.response');
        expect((await reply.locator('.response-col_status').innerText()).trim()).toBe('200');
        const body = await reply.locator('.highlight-code pre code').innerText();
        expect(body).toContain('"status"');
        expect(JSON.parse(body)).toMatchObject({ status: 'finished' });

        await page.screenshot({ path: join(shots, '2-docs-try-it-out.png'), fullPage: true });
        await operation.screenshot({ path: join(shots, '2b-try-it-out-operation.png') });
      });
    });
  });

  describe('Bull Board at /queues', () => {
    it('answers 401 with a Basic challenge without the admin token', async () => {
      await onPage('queues-unauthorized', async (page) => {
        const url = `${stack.url}/queues`;
        const challenged = page.waitForResponse((r) => r.url() === url, { timeout: STEP_MS });
        // Headless Chromium has nobody to type a password: it cancels the Basic prompt, so the
        // navigation itself fails (ERR_INVALID_AUTH_CREDENTIALS); the 401 is what the server said.
        await page.goto(url).catch(() => undefined);
        const response = await challenged;
        expect(response.status()).toBe(401);
        expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
        // The board's data api is behind the same guard.
        expect((await page.request.get(`${stack.url}/queues/api/queues`)).status()).toBe(401);
      });
    });

    it('lists the task queues with job counts that match /metrics', async () => {
      await onPage(
        'queues',
        async (page, external) => {
          await page.goto(`${stack.url}/queues`);
          const menu = page.locator('nav a[href^="/queues/queue/"]');
          await menu.first().waitFor({ timeout: STEP_MS });
          const names = await menu.evaluateAll((links) =>
            links.map((a) => a.getAttribute('title')),
          );
          expect([...names].sort()).toEqual([
            'even-sum',
            'even-sum-chunk',
            'maintenance',
            'randomize',
            'webhook',
          ]);

          // The board refreshes itself every few seconds and the cleanup job may fire at any
          // 10-minute mark: wait until one board reading and one scrape agree, then check that reading.
          const { board, metrics } = await pollUntil(
            async () => {
              const metrics = queueJobs((await http(`${stack.url}/metrics`)).bytes.toString());
              const board = await boardCounts(page, QUEUES);
              const mismatch = QUEUES.find(
                (q) =>
                  board[q].total !== sum(metrics[q]) ||
                  Object.entries(board[q].states).some(([state, n]) => metrics[q]?.[state] !== n),
              );
              if (mismatch)
                throw new Error(
                  `board ${JSON.stringify(board[mismatch])} ≠ /metrics ${JSON.stringify(metrics[mismatch])} for ${mismatch}`,
                );
              return { board, metrics };
            },
            STEP_MS,
            'the board to show the counts of /metrics',
          );

          // The finished randomize job is removed on completion, so its queue is empty on both.
          expect(board[QueueName.Randomize]).toEqual({ total: 0, states: {} });
          expect(Object.keys(metrics[QueueName.Randomize])).toEqual(
            expect.arrayContaining(['waiting', 'active', 'failed']),
          );
          expect(sum(metrics[QueueName.Randomize])).toBe(0);
          // The repeatable cleanup job is always scheduled: a non-zero count the board must render.
          expect(board[QueueName.Maintenance].total).toBeGreaterThanOrEqual(1);
          // Bull Board's own page asks Google Fonts for its typeface; offline it falls back to a local font.
          expect(external.every((url) => url.startsWith('https://fonts.googleapis.com/'))).toBe(
            true,
          );

          await page.screenshot({ path: join(shots, '3-queues.png'), fullPage: true });
        },
        true,
      );
    });
  });
});
