// dynalite (the local DynamoDB) as its own process for the turn-stream benchmark: under 500
// streams it is the busiest store, and in the benchmark's process it would share one event loop
// with the clients whose timings are measured. Prints `{"msg":"listening","url":…}` when ready;
// stops on SIGTERM or when the benchmark goes away (its stdin closes).
//
// It also counts requests by operation, so the benchmark can say what the gateway asks of the
// store per turn: `GET <url>/__bench/counts` answers `{"<Operation>": n, …}`. Requests carrying
// the `x-lgm-bench` header (the benchmark's own reads and setup) are counted as `bench:<Operation>`.
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';

import { startLocalDynamoDb } from '@lgm/local-stack';

import { BENCH_CLIENT_HEADER, COUNTS_PATH } from './dynamo-counts';

const counts = new Map<string, number>();

// dynalite creates its own http.Server; counting at the server's `request` event sees every
// request before dynalite does, at the cost of a header read.
const emit = Server.prototype.emit as (
  this: Server,
  event: string | symbol,
  ...args: unknown[]
) => boolean;
Server.prototype.emit = function countingEmit(
  this: Server,
  event: string | symbol,
  ...args: unknown[]
): boolean {
  if (event === 'request') {
    const [request, response] = args as [IncomingMessage, ServerResponse];
    if (request.url === COUNTS_PATH) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(Object.fromEntries(counts)));
      return true;
    }
    const target = String(request.headers['x-amz-target'] ?? 'unknown');
    const operation = target.slice(target.lastIndexOf('.') + 1);
    const key =
      request.headers[BENCH_CLIENT_HEADER] === undefined ? operation : `bench:${operation}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return emit.call(this, event, ...args);
};

const server = await startLocalDynamoDb();
process.stdout.write(`${JSON.stringify({ msg: 'listening', url: server.endpoint })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
