// A PGlite server as its own process, for test runners that cannot load PGlite in-process (jest's
// CommonJS sandbox refuses the dynamic imports PGlite makes). Prints one JSON line
// `{"msg":"listening","url":...}` when ready and stops on SIGTERM.
import { startLocalPostgres } from './postgres-server';

const server = await startLocalPostgres();
process.stdout.write(`${JSON.stringify({ msg: 'listening', url: server.url })}\n`);
process.once('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});
