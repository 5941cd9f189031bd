import type { DocumentView, MessagePage, Session } from '@lgm/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import {
  answerText,
  ask,
  dropFiles,
  lastFinishedAnswer,
  settled,
  signInThroughBrowser,
} from './test/app';
import { type AccessibilityReport, describeViolations, scanAccessibility } from './test/axe';
import { launchChromium, newContext, screenshot, withFailureScreenshots } from './test/browser';
import { buildPdf } from './test/pdf';
import { type E2eStack, startE2eStack } from './test/stack';

/**
 * The product as a user meets it, in Debian's Chromium against the stack `npm start` runs (web
 * app on Vite, every service as its own process, embedded stores, the dev OIDC issuer, no LLM
 * configured so answers are extractive quotes of the user's documents): sign in → upload a PDF
 * by drag and drop → watch it become ready → ask → streamed answer with a citation → open it →
 * reload and find the conversation. Then accessibility (axe-core) and screenshots of every
 * main screen, light and dark, English and Korean, desktop and phone, in dist/e2e-screenshots.
 */

const USER = 'ada';
const QUESTION = 'How should pickers carry the quinces?';
const PDF_NAME = 'orchard-handbook.pdf';
const PDF_PAGES = [
  [
    'Orchard handbook',
    '',
    'This handbook describes how the orchard grows, picks and stores its quinces.',
    'It is written for the seasonal team that joins us every autumn.',
  ],
  [
    'Harvest',
    '',
    'The quince harvest begins when the fruit turns golden and smells of pineapple.',
    'Pickers carry the quinces in canvas bags, never in plastic crates,',
    'so that the fruit does not bruise on the way to the barn.',
  ],
];

describe('the web app on the dev stack, in Chromium', () => {
  let stack: E2eStack;
  let browser: Browser;
  let page: Page;
  const contexts: BrowserContext[] = [];
  // What the journey produced, for the tests that look at it again.
  const journey: { sessionId?: string; answer?: string; documentTitle?: string } = {};
  const accessibility: AccessibilityReport[] = [];

  const e2e = (name: string, body: () => Promise<void>, timeout = 240_000) =>
    it(name, () => withFailureScreenshots(() => contexts, name, body), timeout);

  async function openContext(options?: Parameters<typeof newContext>[1]): Promise<Page> {
    const opened = await newContext(browser, options);
    contexts.push(opened);
    return opened.newPage();
  }

  beforeAll(async () => {
    stack = await startE2eStack();
    browser = await launchChromium();
    page = await openContext();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  e2e('shows the landing page to visitors and signs in at the dev issuer', async () => {
    await page.goto(`${stack.web}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByText('All 5 services are operational.').waitFor();
    await screenshot(page, 'landing');
    accessibility.push(await scanAccessibility(page, 'landing'));

    await signInThroughBrowser(page, stack.web, USER, (form) => screenshot(form, 'sign-in'));

    expect(new URL(page.url()).pathname).toBe('/chat');
    await expect(page.locator('.sidebar-footer .user-name').innerText()).resolves.toBe(USER);
  });

  e2e('uploads a PDF by drag and drop and shows it becoming ready', async () => {
    await page.getByRole('link', { name: 'Documents' }).click();
    await page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    await page.getByText('Your library is empty').waitFor();

    const bytes = await buildPdf('Orchard handbook', PDF_PAGES);
    await dropFiles(page, page.getByTestId('drop-zone'), [
      { name: PDF_NAME, mimeType: 'application/pdf', bytes },
    ]);

    const upload = page.getByTestId('upload-row').filter({ hasText: PDF_NAME });
    await upload.waitFor();
    await upload.locator('.upload-status', { hasText: 'Ready' }).waitFor();
    const row = page.locator('[data-testid="document-row"][data-status="ready"]');
    await row.waitFor();
    await expect(row.locator('.status-badge').innerText()).resolves.toBe('Ready');
    await expect(row.locator('.document-meta').innerText()).resolves.toContain(PDF_NAME);
    journey.documentTitle = (await row.locator('.document-title').innerText()).trim();

    const token = await stack.tokenFor(USER);
    const stored = await stack.get<{ items: DocumentView[] }>(token, '/documents');
    expect(stored.items).toEqual([
      expect.objectContaining({
        fileName: PDF_NAME,
        title: journey.documentTitle,
        status: 'ready',
        progress: 100,
      }),
    ]);
  });

  e2e('answers a question from the PDF with a streamed, cited answer', async () => {
    await page.getByTestId('new-chat').click();
    await page.getByRole('heading', { name: 'How can I help?' }).waitFor();
    await ask(page, QUESTION);

    await page.waitForURL(/\/chat\/[0-9A-Z]{26}$/);
    journey.sessionId = new URL(page.url()).pathname.split('/').at(-1);
    await expect(page.getByTestId('user-message').innerText()).resolves.toContain(QUESTION);
    const answer = await lastFinishedAnswer(page);
    await expect(answer.getAttribute('data-status')).resolves.toBe('complete');
    journey.answer = await answerText(answer);
    expect(journey.answer).toContain('canvas bags');

    // An inline marker names its source; opening it shows the passage, the document and page.
    const marker = answer.getByRole('button', { name: `Source 1: ${journey.documentTitle}` });
    await marker.first().click();
    const panel = page.getByTestId('citation-panel');
    await panel.waitFor();
    await expect(panel.locator('.citation-title').innerText()).resolves.toBe(journey.documentTitle);
    await expect(panel.locator('.citation-passage').innerText()).resolves.toContain(
      'Pickers carry the quinces in canvas bags',
    );

    // The stored conversation is what the page showed, and the panel names the cited pages.
    const token = await stack.tokenFor(USER);
    const messages = await stack.get<MessagePage>(token, `/sessions/${journey.sessionId}/messages`);
    expect(messages.items.map((message) => [message.role, message.status])).toEqual([
      ['user', undefined],
      ['assistant', 'complete'],
    ]);
    const cited = messages.items[1]?.citations[0];
    expect(cited).toMatchObject({ id: '1', title: journey.documentTitle, pageEnd: 2 });
    const pages =
      cited?.pageStart === cited?.pageEnd
        ? `p. ${cited?.pageEnd}`
        : `pp. ${cited?.pageStart}–${cited?.pageEnd}`;
    await expect(panel.locator('.citation-facts').innerText()).resolves.toBe(`Page\n${pages}`);
    await settled(page);
    await screenshot(page, 'chat-citation');
  });

  e2e('opens the cited document in the library from the citation panel', async () => {
    await page.getByTestId('citation-panel').getByRole('link', { name: 'Open in library' }).click();
    await page.waitForURL(/\/documents\?document=/);
    const focused = page.locator('[data-testid="document-row"].document-row-focused');
    await expect(focused.locator('.document-title').innerText()).resolves.toBe(
      journey.documentTitle,
    );
    await page.goBack();
    await page.waitForURL(new RegExp(`/chat/${journey.sessionId}$`));
  });

  e2e('finds the conversation again after a reload', async () => {
    await page.reload();
    const row = page.getByTestId('session-row').filter({ has: page.locator('[aria-current]') });
    await row.waitFor();
    const token = await stack.tokenFor(USER);
    const session = await stack.get<Session>(token, `/sessions/${journey.sessionId}`);
    await expect(row.innerText()).resolves.toContain(session.title);
    await expect(page.locator('.chat-title').innerText()).resolves.toBe(session.title);

    await expect(page.getByTestId('user-message').innerText()).resolves.toContain(QUESTION);
    const answer = await lastFinishedAnswer(page);
    await expect(answerText(answer)).resolves.toBe(journey.answer);
    await expect(page.getByTestId('assistant-message').count()).resolves.toBe(1);
    await settled(page);
    await screenshot(page, 'chat-answer');
    accessibility.push(await scanAccessibility(page, 'chat with an answer'));
  });

  e2e('shows the documents library and settings', async () => {
    await page.getByRole('link', { name: 'Documents' }).click();
    await page.locator('[data-testid="document-row"][data-status="ready"]').waitFor();
    await settled(page);
    await screenshot(page, 'documents');
    accessibility.push(await scanAccessibility(page, 'documents'));

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByText('No tool servers').waitFor();
    await page.locator('.usage-totals').waitFor();
    await settled(page);
    await screenshot(page, 'settings');
    accessibility.push(await scanAccessibility(page, 'settings'));
    // The usage of the answer above, charted further down the page.
    await page.locator('.usage-chart').scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-usage');
  });

  e2e('switches to dark mode from the settings', async () => {
    await page.getByRole('radio', { name: 'Dark' }).click();
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
    await settled(page);
    await screenshot(page, 'settings-dark');

    await page.getByTestId('session-row').first().getByRole('link').click();
    const answer = await lastFinishedAnswer(page);
    await answer
      .getByRole('button', { name: /^Source 1:/ })
      .first()
      .click();
    await page.getByTestId('citation-panel').waitFor();
    await settled(page);
    await screenshot(page, 'chat-dark');
    accessibility.push(await scanAccessibility(page, 'chat in dark mode'));

    // Back to the system theme: the preference persists in this profile.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'System' }).click();
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBeNull();
  });

  e2e('speaks Korean to a browser that prefers Korean', async () => {
    const korean = await openContext({ locale: 'ko-KR' });
    await korean.goto(`${stack.web}/`);
    await korean.getByRole('button', { name: '로그인하고 시작하기' }).waitFor();
    await expect(korean.locator('html').getAttribute('lang')).resolves.toBe('ko');
    await screenshot(korean, 'landing-ko');

    await signInThroughBrowser(korean, stack.web, USER);
    await korean.getByRole('link', { name: '문서' }).waitFor();
    await korean.getByTestId('session-row').first().getByRole('link').click();
    const answer = await lastFinishedAnswer(korean);
    await expect(answerText(answer)).resolves.toBe(journey.answer);
    await settled(korean);
    await screenshot(korean, 'chat-ko');

    await korean.getByRole('link', { name: '문서' }).click();
    await korean.locator('[data-testid="document-row"][data-status="ready"]').waitFor();
    await settled(korean);
    await screenshot(korean, 'documents-ko');
  });

  e2e('fits a phone screen, with the sidebar in a drawer', async () => {
    const phone = await openContext({ viewport: { width: 390, height: 844 }, mobile: true });
    await signInThroughBrowser(phone, stack.web, USER);
    await phone.goto(`${stack.web}/chat/${journey.sessionId}`);
    await lastFinishedAnswer(phone);
    await settled(phone);
    await screenshot(phone, 'mobile-chat');
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);

    await phone.getByRole('button', { name: 'Open menu' }).click();
    await phone.getByTestId('session-row').first().waitFor({ state: 'visible' });
    await screenshot(phone, 'mobile-menu');
    await phone.getByRole('button', { name: 'Close menu' }).click();
  });

  e2e('has no serious or critical accessibility violations on its main screens', async () => {
    expect(accessibility.map((report) => report.screen)).toEqual([
      'landing',
      'chat with an answer',
      'documents',
      'settings',
      'chat in dark mode',
    ]);
    const blocking = accessibility
      .filter((report) => report.blocking.length > 0)
      .map((report) => describeViolations(report.screen, report.blocking));
    expect(blocking).toEqual([]);
  });
});
