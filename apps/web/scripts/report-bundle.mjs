// Prints the initial JavaScript of the built SPA, gzipped, against its budget (ARCHITECTURE.md §5):
// the entry scripts and the modules index.html preloads, i.e. what a first visit downloads before
// the app can start. Lazily imported chunks are not counted. Exits 1 when over budget.
//
// Usage: node scripts/report-bundle.mjs [distDir] (default: <workspace>/dist/apps/web)
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 200;
const here = dirname(fileURLToPath(import.meta.url));
const distDir = resolve(process.argv[2] ?? join(here, '../../../dist/apps/web'));

const html = await readFile(join(distDir, 'index.html'), 'utf8').catch((error) => {
  console.error(
    `report-bundle: cannot read ${join(distDir, 'index.html')} (${error.code}); build first.`,
  );
  process.exit(2);
});

/** Local URLs of `<script type="module" src>` and `<link rel="modulepreload" href>`. */
function initialScripts(page) {
  const urls = new Set();
  for (const [tag] of page.matchAll(/<(?:script|link)\b[^>]*>/gi)) {
    const attr = (name) => tag.match(new RegExp(`\\b${name}\\s*=\\s*["']([^"']+)["']`, 'i'))?.[1];
    const isScript = /^<script/i.test(tag);
    const url = isScript
      ? attr('src')
      : /\bmodulepreload\b/i.test(attr('rel') ?? '') && attr('href');
    if (url && !/^(?:[a-z]+:)?\/\//i.test(url)) urls.add(url);
  }
  return [...urls];
}

const scripts = initialScripts(html);
if (scripts.length === 0) {
  console.error('report-bundle: index.html references no scripts; is this a Vite build?');
  process.exit(2);
}

let totalBytes = 0;
for (const url of scripts) {
  const file = join(distDir, url.split(/[?#]/)[0].replace(/^\//, ''));
  const gzipped = gzipSync(await readFile(file), { level: 9 }).length;
  totalBytes += gzipped;
  console.log(`  ${relative(distDir, file)}: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
}

const totalKb = totalBytes / 1024;
console.log(`initial JS: ${totalKb.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (totalKb > BUDGET_KB) {
  console.error(`report-bundle: over budget by ${(totalKb - BUDGET_KB).toFixed(1)} KB`);
  process.exit(1);
}
