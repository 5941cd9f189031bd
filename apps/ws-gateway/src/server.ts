import { runHttpService } from '@lgm/server-kit';

import { buildApp } from './app';
import { bootstrap } from './bootstrap';
import { serverConfigSchema } from './config';

runHttpService({ schema: serverConfigSchema, env: process.env, bootstrap, buildApp });
