import type { Locator, Page } from 'playwright-core';

/**
 * Drives the app the way a user does, through the roles, accessible names and `data-testid`
 * hooks apps/web/README.md lists.
 */

/** From the landing page through the dev issuer's form back into the workspace. */
export async function signInThroughBrowser(
  page: Page,
  web: string,
  username: string,
  atIssuerForm?: (page: Page) => Promise<unknown>,
): Promise<void> {
  await page.goto(`${web}/`);
  await page.getByTestId('sign-in').click();
  const field = page.getByLabel('Username');
  await field.waitFor();
  await atIssuerForm?.(page);
  await field.fill(username);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Signed in, the workspace opens on a new chat (in any language; on phones the sidebar with
  // its New chat button is a closed drawer).
  await page.waitForURL(/\/chat/);
  await page.getByTestId('new-chat').waitFor({ state: 'attached' });
}

export interface UploadFile {
  readonly name: string;
  readonly mimeType: string;
  readonly bytes: Uint8Array;
}

/**
 * Drops files on an element as the browser does for a drag from the desktop: dragenter,
 * dragover and drop events carrying a DataTransfer with real File objects.
 */
export async function dropFiles(page: Page, target: Locator, files: readonly UploadFile[]) {
  const payload = files.map((file) => ({
    name: file.name,
    mimeType: file.mimeType,
    base64: Buffer.from(file.bytes).toString('base64'),
  }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer();
    for (const item of items) {
      const bytes = Uint8Array.from(atob(item.base64), (char) => char.charCodeAt(0));
      transfer.items.add(new File([bytes], item.name, { type: item.mimeType }));
    }
    return transfer;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await target.dispatchEvent(type, { dataTransfer });
  }
  await dataTransfer.dispose();
}

/** Writes a message in the composer and sends it with Enter, as the hint says. */
export async function ask(page: Page, question: string): Promise<void> {
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.fill(question);
  await composer.press('Enter');
}

/** The last answer of the conversation, once it has ended (complete, failed or cancelled). */
export async function lastFinishedAnswer(page: Page): Promise<Locator> {
  const answer = page.getByTestId('assistant-message').last();
  await answer.waitFor();
  await page.waitForFunction(() => {
    const answers = document.querySelectorAll('[data-testid="assistant-message"]');
    const last = answers[answers.length - 1];
    return last !== undefined && last.getAttribute('data-status') !== 'streaming';
  });
  return answer;
}

/** The answer's rendered text (the Markdown body, without buttons and footers). */
export async function answerText(answer: Locator): Promise<string> {
  return (await answer.locator('.markdown').innerText()).trim();
}

/** Waits until no loading placeholder is left on the page (skeletons, spinners of pages). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.querySelectorAll('.skeleton, [aria-busy="true"]').length === 0,
  );
}
