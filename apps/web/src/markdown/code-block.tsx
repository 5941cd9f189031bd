import { type JSX, memo, useEffect, useRef, useState } from 'react';

import { CheckIcon, CopyIcon } from '../ui/icons';
import type * as HighlightModuleType from './highlight';
import type { HighlightRun } from './highlight';
import type { MarkdownLabels } from './markdown';

type HighlightModule = typeof HighlightModuleType;
let highlighter: Promise<HighlightModule> | undefined;

/** The highlighter, loaded once on first use (its own chunk). */
function loadHighlighter(): Promise<HighlightModule> {
  highlighter ??= import('./highlight');
  return highlighter;
}

/** Copies text to the clipboard; the Clipboard API needs a secure context. */
async function copyText(text: string): Promise<void> {
  if (!navigator.clipboard) throw new Error('clipboard unavailable');
  await navigator.clipboard.writeText(text);
}

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * A fenced code block: language label, copy button, and syntax colours once the highlighter has
 * loaded (plain text until then, and for languages it does not know).
 */
export const CodeBlock = memo(function CodeBlock({
  code,
  language,
  labels,
}: {
  code: string;
  language: string;
  labels: MarkdownLabels;
}): JSX.Element {
  // Runs are kept with the code they were made from: a block still streaming shows its newest
  // text plainly rather than an older highlighted version.
  const [highlighted, setHighlighted] = useState<{ code: string; runs: HighlightRun[] | null }>();
  const runs = highlighted?.code === code ? highlighted.runs : null;
  const [copy, setCopy] = useState<CopyState>('idle');
  const resetTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    if (!language) return undefined;
    let active = true;
    // While an answer streams the block grows; highlight after it pauses for a moment.
    const timer = setTimeout(() => {
      loadHighlighter()
        .then(
          (module) => active && setHighlighted({ code, runs: module.highlight(code, language) }),
        )
        .catch(() => undefined);
    }, 120);
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [code, language]);

  useEffect(() => () => clearTimeout(resetTimer.current), []);

  const onCopy = () => {
    copyText(code).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
    clearTimeout(resetTimer.current);
    resetTimer.current = setTimeout(() => setCopy('idle'), 2000);
  };

  const copyLabel =
    copy === 'copied' ? labels.copied : copy === 'failed' ? labels.copyFailed : labels.copy;
  return (
    <figure className="code-block" data-testid="code-block">
      <figcaption className="code-block-header">
        <span className="code-block-language">{language || labels.code}</span>
        <button type="button" className="code-copy" onClick={onCopy} aria-label={copyLabel}>
          {copy === 'copied' ? <CheckIcon /> : <CopyIcon />}
          <span aria-hidden="true">{copyLabel}</span>
        </button>
        <span className="visually-hidden" role="status">
          {copy === 'idle' ? '' : copyLabel}
        </span>
      </figcaption>
      <pre tabIndex={0}>
        <code className={language ? `language-${language}` : undefined}>
          {runs
            ? runs.map((run, index) =>
                run.className ? (
                  <span key={index} className={run.className}>
                    {run.text}
                  </span>
                ) : (
                  run.text
                ),
              )
            : code}
        </code>
      </pre>
    </figure>
  );
});
