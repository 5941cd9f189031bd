import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

/**
 * highlight.js with the languages answers use most. This module is imported lazily by the first
 * code block, so neither the library nor its grammars are in the initial bundle.
 */
const languages = {
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);

/** One run of highlighted text: the hljs scope classes that apply to it. */
export interface HighlightRun {
  readonly text: string;
  readonly className?: string;
}

/**
 * The code split into runs with their classes, or null when the language is unknown. The runs
 * are read from hljs's HTML with the DOM parser (which runs nothing) and only text and `class`
 * survive: no markup from the highlighter reaches the page either.
 */
export function highlight(code: string, language: string): HighlightRun[] | null {
  const name = language.toLowerCase();
  if (!name || !hljs.getLanguage(name)) return null;
  const html = hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  const doc = new DOMParser().parseFromString(`<pre>${html}</pre>`, 'text/html');
  const runs: HighlightRun[] = [];
  const walk = (node: Node, classes: string[]): void => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) {
        const text = child.textContent ?? '';
        if (text) runs.push(classes.length ? { text, className: classes.join(' ') } : { text });
      } else if (child instanceof Element) {
        const own = (child.getAttribute('class') ?? '')
          .split(/\s+/)
          .filter((name) => /^hljs-[a-z_-]+$/.test(name) || /^[a-z_]+_$/.test(name));
        walk(child, [...classes, ...own]);
      }
    }
  };
  const root = doc.querySelector('pre');
  if (root) walk(root, []);
  return runs;
}
