// Writes one project's test totals to dist/test-results/<project>.json so that `npm test` can add
// them up across projects (cached Nx runs restore this file as the target's output).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

class JestTotalsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const project = process.env.NX_TASK_TARGET_PROJECT;
    if (!project) return;
    const workspaceRoot = resolve(__dirname, '../..');
    const dir = join(workspaceRoot, 'dist/test-results');
    mkdirSync(dir, { recursive: true });
    const totals = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      suites: results.numTotalTestSuites,
    };
    writeFileSync(join(dir, `${project}.json`), JSON.stringify(totals) + '\n');
  }
}

module.exports = JestTotalsReporter;
