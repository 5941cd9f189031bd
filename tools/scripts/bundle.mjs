#!/usr/bin/env node
// Bundles an app's entry files with esbuild, the way Lambda, Fargate and Batch receive them:
// `node tools/scripts/bundle.mjs <app> <entry...>` → dist/apps/<app>/<entry>.mjs (ESM, minified,
// Node 20 syntax so the same file runs locally and on Lambda's Node 22). Prints each bundle's size;
// Lambda entries are held to the 1 MB budget of ARCHITECTURE §5 and the build fails over it.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const BUDGET_BYTES = 1024 * 1024;

// Kept out of every bundle (the same lists as infra's NodejsFunction constructs):
// - the AWS SDK v3, which the Lambda runtime provides (Node 22 and later);
// - pdfjs-dist, 3.3 MB of ES modules that esbuild cannot shrink: deployed as node_modules beside
//   the bundle (infra copies pdf.mjs, pdf.worker.mjs, cmaps and standard fonts);
// - the optional ONNX runtime, loaded on demand only when configured.
const RUNTIME_PROVIDED = ['@aws-sdk/*', '@smithy/*'];
// - ajv (with ajv-formats), which the MCP SDK's client imports for tool output schemas: 100 KB
//   minified that would push chat-api over the budget; deployed beside like pdfjs (infra copies
//   AJV_PACKAGES in infra/src/constructs/lambda-bundling.ts).
const SHIPPED_BESIDE = [
  'pdfjs-dist',
  'pdfjs-dist/*',
  'ajv',
  'ajv/*',
  'ajv-formats',
  'ajv-formats/*',
];
const OPTIONAL_RUNTIMES = ['@huggingface/transformers', 'onnxruntime-node', 'sharp'];
// - fastify's JSON-schema compilers: server-kit's createHttpApp supplies zod compilers, so fastify
//   never requires these (its require is conditional); leaving them out saves ~300 KB (ajv,
//   fast-json-stringify). A bundle that did reach them would fail loudly with "Cannot find module".
const NEVER_LOADED = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];
/** Entries that run on Lambda: checked against the 1 MB budget. */
const LAMBDA_ENTRIES = new Set(['lambda', 'worker', 'authorizer']);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [app, ...entries] = process.argv.slice(2);
if (!app || entries.length === 0) {
  console.error('usage: bundle.mjs <app> <entry...>');
  process.exit(2);
}

const outdir = join(root, 'dist/apps', app);
mkdirSync(outdir, { recursive: true });
let overBudget = false;
for (const entry of entries) {
  const outfile = join(outdir, `${entry}.mjs`);
  const result = await build({
    entryPoints: [join(root, 'apps', app, 'src', `${entry}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'none',
    external: LAMBDA_ENTRIES.has(entry)
      ? [...RUNTIME_PROVIDED, ...SHIPPED_BESIDE, ...OPTIONAL_RUNTIMES, ...NEVER_LOADED]
      : [...OPTIONAL_RUNTIMES, ...NEVER_LOADED],
    tsconfig: join(root, 'tsconfig.base.json'),
    // CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __lgmCreateRequire } from 'node:module'; const require = __lgmCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const bytes =
    result.metafile.outputs[
      Object.keys(result.metafile.outputs).find((key) => key.endsWith('.mjs'))
    ].bytes;
  if (LAMBDA_ENTRIES.has(entry)) {
    const ratio = bytes / BUDGET_BYTES;
    overBudget ||= ratio > 1;
    console.log(
      `${app}/${entry}.mjs  ${(bytes / 1024).toFixed(1)} KB minified  (${(ratio * 100).toFixed(0)}% of the 1 MB Lambda budget)`,
    );
  } else {
    console.log(`${app}/${entry}.mjs  ${(bytes / 1024).toFixed(1)} KB minified`);
  }
}
if (overBudget) {
  console.error('A bundle is over the 1 MB budget (ARCHITECTURE §5).');
  process.exit(1);
}
