// Entry point of the CDK CLI (`cdk.json` → `npx tsx src/main.ts`): reads the stage from context
// and builds the app. Everything else lives in app.ts so tests can build the same app.
import { buildApp, createApp } from './app';
import { readStageConfig, StageConfigError } from './stage-config';

const app = createApp();
try {
  buildApp(
    readStageConfig((key) => app.node.tryGetContext(key)),
    app,
  );
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  console.error(error.message);
  // Exit now: the App would otherwise synthesise itself, empty, when the process ends.
  process.exit(1);
}
