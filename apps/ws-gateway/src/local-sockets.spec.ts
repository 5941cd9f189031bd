import type { AddressInfo, Socket } from 'node:net';

import WebSocket, { WebSocketServer } from 'ws';

import { LocalSockets } from './local-sockets';

/** A loopback WebSocket pair: the server's end (what LocalSockets holds) and a client. */
async function socketPair(): Promise<{
  server: WebSocket;
  client: WebSocket;
  received: string[];
  close: () => Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: string[] = [];
  client.on('message', (data: Buffer) => received.push(data.toString('utf8')));
  await new Promise((resolve) => client.once('open', resolve));
  const server = await accepted;
  return {
    server,
    client,
    received,
    close: async () => {
      client.close();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

describe('LocalSockets', () => {
  it("sends a tick's frames to a connection in one TCP write, each still its own message", async () => {
    const pair = await socketPair();
    try {
      const sockets = new LocalSockets();
      sockets.add('c-1', pair.server);
      const tcp = (pair.server as unknown as { _socket: Socket })._socket;
      const frames = Array.from({ length: 50 }, (_, index) => JSON.stringify({ n: index }));

      const deliveries = frames.map((frame) => sockets.post('c-1', frame));

      // Within the tick the frames wait, corked, in the socket's buffer...
      expect(tcp.writableCorked).toBe(1);
      expect(tcp.writableLength).toBeGreaterThan(50 * 8);
      await new Promise((resolve) => process.nextTick(resolve));
      // ...and leave together once it is over.
      expect(tcp.writableCorked).toBe(0);
      expect(await Promise.all(deliveries)).toEqual(frames.map(() => 'delivered'));
      while (pair.received.length < frames.length) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(pair.received).toEqual(frames);
    } finally {
      await pair.close();
    }
  });

  it('reports a closed or unknown connection as gone', async () => {
    const pair = await socketPair();
    const sockets = new LocalSockets();
    sockets.add('c-1', pair.server);
    const closed = new Promise((resolve) => pair.server.once('close', resolve));
    await pair.close();
    await closed;

    expect(await sockets.post('c-1', '{}')).toBe('gone');
    expect(await sockets.post('c-2', '{}')).toBe('gone');
  });
});
