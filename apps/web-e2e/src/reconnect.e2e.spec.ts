import type { MessagePage } from '@lgm/contracts';
import { type OpenAiFake, startOpenAiFake } from '@lgm/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { answerText, ask, lastFinishedAnswer, signInThroughBrowser } from './test/app';
import { launchChromium, newContext, screenshot, withFailureScreenshots } from './test/browser';
import { type E2eStack, startE2eStack } from './test/stack';
import { startTcpProxy, type TcpProxy } from './test/tcp-proxy';

/**
 * A dropped connection in the middle of an answer: the browser's socket to ws-gateway goes
 * through a TCP relay the test controls, and the model is an OpenAI-compatible fake that streams
 * one word every few tens of milliseconds, so the answer is still being written when the network
 * goes away. The connection is reset and the browser goes offline; when it comes back, the app
 * reconnects, resumes the turn from the last event it applied, and the answer ends exactly as
 * stored: nothing lost, nothing twice.
 */

const USER = 'grace';
const SENTENCES = 36;
// One paragraph of plain words (no Markdown syntax), so the rendered text is the text itself.
const ANSWER = Array.from(
  { length: SENTENCES },
  (_, index) =>
    `Sentence ${index + 1} of ${SENTENCES} keeps this answer streaming while the network drops.`,
).join(' ');
const STREAM = { delayMs: 25 } as const;

describe('a dropped socket in the middle of an answer, in Chromium', () => {
  let fake: OpenAiFake;
  let stack: E2eStack;
  let proxy: TcpProxy;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    fake = await startOpenAiFake();
    stack = await startE2eStack({
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_CHAT_MODEL: 'fake-model',
      OPENAI_API_KEY: 'e2e-test-key',
    });
    proxy = await startTcpProxy(stack.ws);
    browser = await launchChromium();
    context = await newContext(browser);
    // The app takes its socket URL from /config.json: point it at the relay.
    await context.route('**/config.json', async (route) => {
      const response = await route.fetch();
      const config = (await response.json()) as Record<string, unknown>;
      await route.fulfill({
        response,
        json: { ...config, wsUrl: `ws://127.0.0.1:${proxy.port}/ws` },
      });
    });
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await stack?.stop();
    await fake?.close();
  }, 60_000);

  it('completes the answer after a reconnect without duplicated or lost text', async () => {
    await withFailureScreenshots(
      () => [context],
      'completes the answer after a reconnect',
      async () => {
        await signInThroughBrowser(page, stack.web, USER);
        fake.enqueue({ type: 'text', text: ANSWER, ...STREAM });
        // The session's title, asked of the model once the answer is complete.
        fake.enqueue({ type: 'text', text: 'Streaming through a dropped network' });

        await ask(page, 'Tell me a long story about streams.');
        await page.waitForURL(/\/chat\/[0-9A-Z]{26}$/);
        const sessionId = new URL(page.url()).pathname.split('/').at(-1) ?? '';

        // Some words in, and the answer still streaming: the network goes away.
        await page.waitForFunction(() => {
          const answer = document.querySelector(
            '[data-testid="assistant-message"][data-status="streaming"] .markdown',
          );
          return (answer?.textContent ?? '').split(' ').length >= 20;
        });
        await context.setOffline(true);
        const atDrop = await page.evaluate(() => {
          const answer = document.querySelector('[data-testid="assistant-message"]');
          return {
            status: answer?.getAttribute('data-status'),
            text: (answer?.querySelector('.markdown') as HTMLElement | null)?.innerText ?? '',
          };
        });
        const dropped = proxy.dropAll();

        await page.getByTestId('connection-banner').waitFor();
        await screenshot(page, 'chat-reconnecting');
        // While offline the server keeps writing the answer; the page cannot hear it.
        await page.waitForTimeout(1_500);
        await context.setOffline(false);

        const answer = await lastFinishedAnswer(page);
        await page.getByTestId('connection-banner').waitFor({ state: 'detached' });
        const shown = await answerText(answer);
        await screenshot(page, 'chat-reconnected');

        const token = await stack.tokenFor(USER);
        const messages = await stack.get<MessagePage>(token, `/sessions/${sessionId}/messages`);
        const stored = messages.items.find((message) => message.role === 'assistant');

        expect(dropped).toBeGreaterThanOrEqual(1);
        expect(atDrop.status).toBe('streaming');
        expect(atDrop.text.length).toBeGreaterThan(0);
        expect(atDrop.text.length).toBeLessThan(ANSWER.length);
        expect(ANSWER.startsWith(atDrop.text)).toBe(true);
        expect(proxy.accepted).toBeGreaterThanOrEqual(2);
        expect(stored).toMatchObject({ status: 'complete', text: ANSWER });
        expect(shown).toBe(stored?.text);
        await expect(answer.getAttribute('data-status')).resolves.toBe('complete');
        // One turn: the reconnect resumed it rather than sending the message again.
        const streamed = fake
          .requestsTo('/chat/completions')
          .filter((request) => (request.body as { stream?: unknown }).stream === true);
        expect(streamed).toHaveLength(1);
        await expect(page.getByTestId('user-message').count()).resolves.toBe(1);
      },
    );
  }, 240_000);
});
