// One flat config for the whole workspace. Module boundaries follow ARCHITECTURE §2: tags on two
// axes (type:*, scope:*) plus layer:pure for the libs that must stay free of I/O and AWS.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';

/** Packages a pure lib (core, contracts) must never import: AWS, HTTP servers, databases, I/O. */
const impureImports = [
  '@aws-sdk/*',
  '@smithy/*',
  '@aws-lambda-powertools/*',
  'aws-lambda',
  'aws-cdk-lib',
  'aws-cdk-lib/*',
  'constructs',
  'fastify',
  '@fastify/*',
  'drizzle-orm',
  'drizzle-orm/*',
  'drizzle-kit',
  'pg',
  '@electric-sql/*',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/node_modules',
      '**/dist',
      '**/coverage',
      '**/cdk.out',
      '**/.lgm',
      '**/.nx',
      '**/vite.config.*.timestamp*',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.mjs', '**/*.cjs'],
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: ['type:lib', 'type:testing', 'type:tool'],
            },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:shared'] },
            {
              sourceTag: 'scope:server',
              onlyDependOnLibsWithTags: ['scope:server', 'scope:shared'],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'layer:pure', bannedExternalImports: impureImports },
          ],
        },
      ],
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test'].flatMap((object) =>
          ['only', 'skip'].map((property) => ({
            object,
            property,
            message: 'Every test must run: remove .only/.skip before committing.',
          })),
        ),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z']",
          message:
            "Use `import * as z from 'zod'`: the named `z` object defeats tree-shaking (450 KB against 85 KB in a Lambda bundle).",
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'xit', message: 'Every test must run.' },
        { name: 'xdescribe', message: 'Every test must run.' },
        { name: 'xtest', message: 'Every test must run.' },
        { name: 'fit', message: 'Every test must run.' },
        { name: 'fdescribe', message: 'Every test must run.' },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': [
        'error',
        {
          'ts-ignore': true,
          'ts-nocheck': true,
          'ts-expect-error': 'allow-with-description',
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Test helpers stay out of shipped code.
    files: ['apps/**/*.ts', 'apps/**/*.tsx', 'libs/**/*.ts', 'infra/**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/*.spec.tsx',
      '**/test/**',
      'libs/testing/**',
      'libs/local-stack/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@lgm/testing', message: 'Only tests may import @lgm/testing.' },
            {
              name: '@lgm/local-stack',
              message: 'Only tests and the dev stack may import @lgm/local-stack.',
            },
          ],
        },
      ],
    },
  },
  {
    // The nx rule above bans only packages that are installed (in the project graph); this catches
    // a pure lib reaching for one before anyone has installed it.
    files: ['libs/core/**/*.ts', 'libs/contracts/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@lgm/testing', message: 'Only tests may import @lgm/testing.' }],
          patterns: [
            {
              group: impureImports,
              message: 'core and contracts stay free of AWS, HTTP servers, databases and I/O.',
            },
          ],
        },
      ],
    },
  },
  prettier,
];
