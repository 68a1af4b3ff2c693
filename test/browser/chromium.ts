import { Browser, BrowserContext, BrowserContextOptions, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium with nothing of its own talking to the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Without the background-networking flags Chromium's own connections (updates, sync, QUIC
    // probes) are refused by a closed CI network and slow every page down.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A context whose requests to any origin but `origin` are aborted and listed in `external`. */
export interface OfflineContext {
  context: BrowserContext;
  external: string[];
}

/**
 * A fresh context that can only reach `origin`: the pages under test must work without the internet,
 * and a request to a CDN would otherwise hang or fail depending on the network the test runs in.
 */
export async function offlineContext(
  browser: Browser,
  origin: string,
  options: BrowserContextOptions = {},
): Promise<OfflineContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const external: string[] = [];
  await context.route(
    (url) => url.origin !== origin,
    (route) => {
      external.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  return { context, external };
}
