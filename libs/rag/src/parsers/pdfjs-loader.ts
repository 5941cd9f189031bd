// pdfjs ships no types for its worker module; every project compiling this source needs them.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./pdfjs-worker.d.ts" />
/**
 * Loads pdfjs-dist (ESM only) for Node. Reached only through a dynamic `import()` from
 * pdf-parser.ts, so `import.meta` here never reaches jest's CommonJS build (PDF tests run in a
 * child process under tsx instead).
 */
import { fileURLToPath } from 'node:url';

import type * as Pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';

export type PdfjsModule = typeof Pdfjs;

/** Where pdfjs finds CMaps (CJK fonts without embedded encodings) and the 14 standard fonts. */
export interface PdfjsAssets {
  readonly cMapUrl?: string;
  readonly standardFontDataUrl?: string;
}

let loaded: Promise<{ pdfjs: PdfjsModule; assets: PdfjsAssets }> | undefined;

/** The pdfjs module (legacy build, which supports Node 20) with its worker running in-process. */
export function loadPdfjs(): Promise<{ pdfjs: PdfjsModule; assets: PdfjsAssets }> {
  // Cached per process: the module is immutable and ~2 MB to evaluate.
  loaded ??= (async () => {
    // Importing the worker module ourselves (instead of letting pdfjs import `workerSrc`) runs it
    // on the main thread and lets esbuild bundle it into the Lambda.
    const worker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    return { pdfjs, assets: resolveAssets() };
  })();
  return loaded;
}

function resolveAssets(): PdfjsAssets {
  // Best effort: a bundle without node_modules still extracts text from most PDFs without them.
  try {
    const packageJson = fileURLToPath(import.meta.resolve('pdfjs-dist/package.json'));
    const root = packageJson.slice(0, -'package.json'.length);
    return { cMapUrl: `${root}cmaps/`, standardFontDataUrl: `${root}standard_fonts/` };
  } catch {
    return {};
  }
}
