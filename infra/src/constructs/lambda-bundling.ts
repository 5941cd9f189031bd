import { join } from 'node:path';

import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How every LGM Lambda entry is bundled: the same choices as tools/scripts/bundle.mjs (which
 * holds each bundle to the 1 MB budget), so what the budget measures is what deploys.
 */

// CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __lgmCreateRequire } from 'node:module'; const require = __lgmCreateRequire(import.meta.url);";

/** ajv and its dependencies: the MCP SDK's client imports ajv for tool output schemas. */
const AJV_PACKAGES = [
  'ajv',
  'ajv-formats',
  'fast-deep-equal',
  'fast-uri',
  'json-schema-traverse',
  'require-from-string',
];

/**
 * Packages left out of every bundle: the AWS SDK v3 comes with the runtime; fastify's JSON-schema
 * compilers are never loaded (server-kit supplies zod compilers); the optional ONNX runtime is
 * never deployed; pdfjs and ajv are deployed beside the bundles that need them.
 */
const EXTERNAL_MODULES = [
  '@aws-sdk/*',
  '@smithy/*',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  '@huggingface/transformers',
  'onnxruntime-node',
  'sharp',
  'pdfjs-dist',
  ...AJV_PACKAGES,
];

/** What a function's bundle imports from beside it (copied from the workspace, offline). */
export type BesidePackages = 'pdfjs' | 'ajv';

function copyBeside(packages: readonly BesidePackages[], inputDir: string, outputDir: string) {
  const commands: string[] = [];
  if (packages.includes('pdfjs')) {
    // 3.3 MB of ES modules esbuild cannot shrink: just what the parser loads (no maps, viewer
    // or sandbox).
    const from = `${inputDir}/node_modules/pdfjs-dist`;
    const to = `${outputDir}/node_modules/pdfjs-dist`;
    commands.push(
      `mkdir -p "${to}/legacy/build"`,
      `cp "${from}/package.json" "${to}/"`,
      `cp "${from}/legacy/build/pdf.mjs" "${from}/legacy/build/pdf.worker.mjs" "${to}/legacy/build/"`,
      `cp -R "${from}/cmaps" "${from}/standard_fonts" "${to}/"`,
    );
  }
  if (packages.includes('ajv')) {
    commands.push(`mkdir -p "${outputDir}/node_modules"`);
    for (const name of AJV_PACKAGES) {
      commands.push(`cp -R "${inputDir}/node_modules/${name}" "${outputDir}/node_modules/"`);
    }
  }
  return commands;
}

/** esbuild settings of an LGM Lambda (ESM, minified, source maps, Node 22 syntax). */
export function lambdaBundling(root: string, beside: readonly BesidePackages[]): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    mainFields: ['module', 'main'],
    target: 'node22',
    minify: true,
    sourceMap: true,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: false,
    banner: ESM_REQUIRE_BANNER,
    externalModules: EXTERNAL_MODULES,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        copyBeside(beside, inputDir, outputDir),
    },
    tsconfig: join(root, 'tsconfig.base.json'),
    esbuildArgs: { '--legal-comments': 'none' },
  };
}
