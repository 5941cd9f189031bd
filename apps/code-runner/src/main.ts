import { loadConfig } from '@lgm/core';
import { runMain } from '@lgm/server-kit';

import { bootstrap } from './bootstrap';
import { configSchema } from './config';
import { runJob } from './job';

/** AWS Batch job entry: the container's command arguments name the job. */
runMain(async () => {
  const deps = bootstrap(loadConfig(configSchema, process.env));
  process.exitCode = await runJob(deps, process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
  });
});
