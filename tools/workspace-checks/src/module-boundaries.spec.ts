import { spawnSync } from 'node:child_process';

import { findWorkspaceRoot } from '@lgm/testing';
import { createProjectGraphAsync, type ProjectGraph } from '@nx/devkit';

/**
 * Lints fixture sources placed (virtually) inside real projects with the workspace's own ESLint
 * config and asserts that the module boundary rule reports them. The fixtures never exist on disk:
 * ESLint lints the text as if it lived at that path, which is all the rule looks at. ESLint runs
 * in a child process because its config is an ES module, which jest's VM cannot import.
 */

const workspaceRoot = findWorkspaceRoot();
let graph: ProjectGraph;

beforeAll(async () => {
  // The rule silently skips itself without a cached project graph: make sure there is one.
  graph = await createProjectGraphAsync({ exitOnError: false });
}, 120_000);

const LINT_FIXTURES_SCRIPT = `
import { ESLint } from 'eslint';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const { filePath, source } of JSON.parse(input)) {
  const [result] = await eslint.lintText(source, { filePath });
  const boundaryRules = ['@nx/enforce-module-boundaries', 'no-restricted-imports'];
  out.push(result.messages.filter((m) => boundaryRules.includes(m.ruleId)).map((m) => m.message));
}
process.stdout.write(JSON.stringify(out));
`;

/** Lints every fixture in one ESLint process; returns each fixture's boundary errors. */
function lintFixtures(fixtures: readonly { filePath: string; source: string }[]): string[][] {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', LINT_FIXTURES_SCRIPT], {
    cwd: workspaceRoot,
    input: JSON.stringify(
      fixtures.map((f) => ({ ...f, filePath: `${workspaceRoot}/${f.filePath}` })),
    ),
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

const violations: [string, string, string, RegExp][] = [
  [
    'core importing the CDK',
    'libs/core/src/fixture.ts',
    "import { App } from 'aws-cdk-lib';\nexport const a = App;\n",
    /"layer:pure" is not allowed to import "aws-cdk-lib"/,
  ],
  [
    'core importing an AWS SDK client that is not even installed',
    'libs/core/src/fixture.ts',
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const d = DynamoDBClient;\n",
    /core and contracts stay free of AWS/,
  ],
  [
    'contracts importing pg',
    'libs/contracts/src/fixture.ts',
    "import pg from 'pg';\nexport const p = pg;\n",
    /core and contracts stay free of AWS/,
  ],
  [
    'core importing fastify',
    'libs/core/src/fixture.ts',
    "import Fastify from 'fastify';\nexport const f = Fastify;\n",
    /"layer:pure" is not allowed to import "fastify"/,
  ],
  [
    'contracts importing a fastify plugin',
    'libs/contracts/src/fixture.ts',
    "import cors from '@fastify/cors';\nexport const c = cors;\n",
    /"layer:pure" is not allowed to import "@fastify\/cors"/,
  ],
  [
    'web importing a lib other than contracts',
    'apps/web/src/fixture.ts',
    "import { loadConfig } from '@lgm/core';\nexport const l = loadConfig;\n",
    /"scope:web" can only depend on libs tagged with "scope:web", "scope:shared"/,
  ],
  [
    'a lib importing an app',
    'libs/server-kit/src/fixture.ts',
    "import { buildApp } from '@lgm/chat-api/src/app';\nexport const b = buildApp;\n",
    // Every app already depends on the libs, so nx reports the cycle this import would close.
    /Imports of apps are forbidden|Circular dependency between "server-kit" and "chat-api"/,
  ],
  [
    'an app importing another app',
    'apps/ws-gateway/src/fixture.ts',
    "import { buildApp } from '@lgm/chat-api/src/app';\nexport const b = buildApp;\n",
    /Imports of apps are forbidden/,
  ],
];

const allowed = {
  filePath: 'apps/chat-api/src/fixture.ts',
  source: "import { loadConfig } from '@lgm/core';\nexport const l = loadConfig;\n",
};

describe('module boundaries', () => {
  let results: string[][];

  beforeAll(() => {
    results = lintFixtures([
      ...violations.map(([, filePath, source]) => ({ filePath, source })),
      allowed,
    ]);
  }, 120_000);

  it('knows every project', () => {
    expect(Object.keys(graph.nodes)).toEqual(
      expect.arrayContaining([
        'chat-api',
        'ws-gateway',
        'doc-ingestor',
        'mcp-server',
        'code-runner',
        'core',
        'contracts',
      ]),
    );
  });

  it.each(violations.map((row, index) => [row[0], index, row[3]] as const))(
    'reports %s',
    (_what, index, expected) => {
      expect(results[index]).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    },
  );

  it('accepts an import that respects the rules', () => {
    expect(results[violations.length]).toEqual([]);
  });
});

describe('project tags', () => {
  it('every project is tagged on both axes', () => {
    const untagged = Object.values(graph.nodes)
      .filter((node) => {
        const tags = node.data.tags ?? [];
        return (
          !tags.some((tag) => tag.startsWith('type:')) ||
          !tags.some((tag) => tag.startsWith('scope:'))
        );
      })
      .map((node) => node.name);
    expect(untagged).toEqual([]);
  });

  it('no lib depends on an app', () => {
    const typeOf = (name: string) =>
      graph.nodes[name]?.data.tags?.find((tag) => tag.startsWith('type:'));
    const violations = Object.entries(graph.dependencies).flatMap(([source, deps]) =>
      typeOf(source) === 'type:lib'
        ? deps
            .filter((dep) => typeOf(dep.target) === 'type:app')
            .map((dep) => `${source} → ${dep.target}`)
        : [],
    );
    expect(violations).toEqual([]);
  });
});
