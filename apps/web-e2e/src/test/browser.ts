import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { findWorkspaceRoot } from '@lgm/testing';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`): Playwright never downloads a browser here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where every screenshot goes (dist is ignored by git; CI can keep it as an artifact). */
export const SCREENSHOT_DIR = join(findWorkspaceRoot(), 'dist/e2e-screenshots');

/**
 * Waits are generous and never the thing under test: CI runs this on 2 shared cores with the
 * whole stack, Vite compiling modules on first request, and Chromium.
 */
export const WAIT_MS = 60_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found: install Debian's Chromium (apt-get install -y --no-install-recommends chromium fonts-noto-cjk), as .ci/run does`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Containers have no user namespaces for Chromium's sandbox; no calls home during tests.
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}

export interface ContextOptions {
  /** The browser's language (`navigator.languages`), which the app follows until one is chosen. */
  readonly locale?: string;
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly mobile?: boolean;
  readonly colorScheme?: 'light' | 'dark';
}

/** A fresh browser profile (cookies, storage) with generous default timeouts. */
export async function newContext(
  browser: Browser,
  options: ContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: options.locale ?? 'en-US',
    timezoneId: 'UTC',
    viewport: options.viewport ?? { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    colorScheme: options.colorScheme ?? 'light',
    // The copy buttons write to the clipboard.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  return context;
}

/** A full-viewport screenshot with animations finished, so what is captured is what stays. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

/**
 * Runs a test body and, when it fails, saves what every open page showed at that moment
 * (`failure-<test>-<n>.png`) before rethrowing.
 */
export async function withFailureScreenshots(
  contexts: () => readonly BrowserContext[],
  testName: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (error) {
    const slug = testName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const pages = contexts().flatMap((context) => context.pages());
    await Promise.all(
      pages.map((page, index) =>
        screenshot(page, `failure-${slug}-${index + 1}`).catch(() => undefined),
      ),
    );
    throw error;
  }
}
