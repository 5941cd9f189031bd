// Shared jest settings. TypeScript is compiled by swc (no type-checking here: `typecheck` does that),
// to CommonJS so jest runs without its experimental ESM mode.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workspaceRoot = dirname(fileURLToPath(import.meta.url));

// Dependencies published only as ES modules: swc compiles them to CommonJS like our own code.
// htmlparser2 12 and its dom* helpers and entities 7 (libs/rag's HTML parser) ship ESM only too,
// and so does jose 6 (libs/auth's JWT verification, libs/testing's test identity).
const esmOnlyPackages = [
  'jose',
  'cookie',
  'htmlparser2',
  'domhandler',
  'domutils',
  'domelementtype',
  'dom-serializer',
  'entities',
];

export default {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/src/**/*.spec.tsx',
    '<rootDir>/test/**/*.spec.ts',
  ],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true, decorators: false },
          transform: { react: { runtime: 'automatic' } },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  moduleNameMapper: {
    '^@lgm/([a-z-]+)$': join(workspaceRoot, 'libs/$1/src/index.ts'),
  },
  reporters: ['default', join(workspaceRoot, 'tools/scripts/jest-totals-reporter.cjs')],
  clearMocks: true,
};
