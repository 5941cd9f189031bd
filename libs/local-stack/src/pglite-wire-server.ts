import { createServer, type Server, type Socket } from 'node:net';

import type { PGlite } from '@electric-sql/pglite';

/**
 * A PostgreSQL wire-protocol server over ONE PGlite backend, shared by many client connections.
 *
 * Why not pglite-socket's server: it forwards each protocol message on its own, so when a client's
 * Parse/Bind/Execute/Sync arrives in several TCP reads (any large parameter does), another client's
 * messages can land in between — the other client's Parse then replaces this one's unnamed
 * statement ("bind message supplies 2 parameters, but prepared statement "" requires 1"; shown by
 * a test). Here each client's messages are grouped up to the point where it waits for an answer
 * (Sync, a simple Query, Flush, COPY data, Terminate) and a group runs as one unit; and a client
 * whose group left a transaction open keeps the backend until that transaction ends, so
 * transactions of different clients never interleave. Session state (named prepared statements,
 * SET, temporary tables) is still shared: one backend is one session.
 */

const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;
const GSSENC_REQUEST_CODE = 80877104;
const PROTOCOL_V3 = 196608;

/** Frontend message types after which the client waits for the server. */
const GROUP_ENDS = new Set(['S', 'Q', 'H', 'd', 'c', 'f', 'X']);

interface Job {
  readonly connectionId: number;
  readonly messages: Uint8Array[];
  readonly write: (data: Uint8Array) => void;
  readonly done: () => void;
  readonly fail: () => void;
}

export interface PgliteWireServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startPgliteWireServer(
  db: PGlite,
  options: { host: string; port: number },
): Promise<PgliteWireServer> {
  const queue: Job[] = [];
  const sockets = new Set<Socket>();
  let transactionOwner: number | undefined;
  let running = false;
  let nextConnectionId = 1;

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const index =
          transactionOwner === undefined
            ? 0
            : queue.findIndex((job) => job.connectionId === transactionOwner);
        if (index < 0 || queue.length === 0) break;
        const [job] = queue.splice(index, 1) as [Job];
        try {
          await db.runExclusive(async () => {
            for (const message of job.messages) {
              await db.execProtocolRawStream(message, { onRawData: (data) => job.write(data) });
            }
          });
          transactionOwner = db.isInTransaction() ? job.connectionId : undefined;
        } catch {
          // PGlite answers SQL errors in the protocol itself; a throw here means this connection's
          // bytes broke the backend's protocol state. Drop the connection, keep serving the rest.
          job.fail();
          if (transactionOwner === job.connectionId || db.isInTransaction()) {
            await db.exec('ROLLBACK').catch(() => undefined);
            transactionOwner = undefined;
          }
        } finally {
          job.done();
        }
      }
    } finally {
      running = false;
    }
  }

  async function releaseConnection(connectionId: number): Promise<void> {
    for (let i = queue.length - 1; i >= 0; i -= 1) {
      if (queue[i]?.connectionId === connectionId) queue.splice(i, 1);
    }
    if (transactionOwner === connectionId) {
      // A client that vanished mid-transaction must not hold the only backend for ever. (exec
      // takes PGlite's query lock itself: wrapping it in runExclusive would deadlock.)
      await db.exec('ROLLBACK').catch(() => undefined);
      transactionOwner = undefined;
    }
    void drain();
  }

  function serve(socket: Socket): void {
    const connectionId = nextConnectionId;
    nextConnectionId += 1;
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let group: Uint8Array[] = [];
    let inFlight = Promise.resolve();

    const write = (data: Uint8Array) => {
      if (!socket.destroyed) socket.write(data);
    };
    const submit = (messages: Uint8Array[]) => {
      // Keep this connection's groups in order even while an earlier one is still queued.
      inFlight = inFlight.then(
        () =>
          new Promise<void>((resolve) => {
            queue.push({
              connectionId,
              messages,
              write,
              done: resolve,
              fail: () => socket.destroy(),
            });
            void drain();
          }),
      );
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (buffer.length < length) return;
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
            write(Buffer.from('N'));
          } else if (code === CANCEL_REQUEST_CODE) {
            socket.end();
            return;
          } else if (code === PROTOCOL_V3) {
            started = true;
            submit([Uint8Array.from(message)]);
          } else {
            socket.destroy();
            return;
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0] as number);
        group.push(Uint8Array.from(buffer.subarray(0, length)));
        buffer = buffer.subarray(length);
        if (type === 'X') {
          socket.end();
          return;
        }
        if (GROUP_ENDS.has(type)) {
          submit(group);
          group = [];
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      void inFlight.then(() => releaseConnection(connectionId));
    });
  }

  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object')
    throw new Error('PGlite server has no address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
