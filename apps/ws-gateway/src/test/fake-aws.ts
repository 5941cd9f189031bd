import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type ServerFrame, serverFrameSchema } from '@lgm/contracts';

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One `postToConnection` the fake management API received. */
export interface RecordedPost {
  readonly connectionId: string;
  readonly bytes: number;
  /** The frame, parsed with the contract's schema (undefined if it did not parse). */
  readonly frame: ServerFrame | undefined;
  readonly status: 200 | 410;
}

/**
 * API Gateway's management API as far as the gateway uses it: `POST /{stage}/@connections/{id}`
 * records the frame and answers 200, or 410 `GoneException` for a connection marked gone (or
 * gone after a number of frames, a client whose network fails mid-answer).
 */
export interface FakeManagementApi {
  /** `WS_CALLBACK_URL`: `http://127.0.0.1:<port>/prod`. */
  readonly callbackUrl: string;
  readonly posts: RecordedPost[];
  /** Frames delivered (200) to a connection, in order. */
  framesOf(connectionId: string): ServerFrame[];
  /** Answers 410 for this connection from now on, or after `afterFrames` more delivered frames. */
  markGone(connectionId: string, afterFrames?: number): void;
  close(): Promise<void>;
}

export async function startFakeManagementApi(): Promise<FakeManagementApi> {
  const posts: RecordedPost[] = [];
  const goneAfter = new Map<string, number>();
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const match = /^\/prod\/@connections\/([^/?]+)$/.exec(request.url ?? '');
      if (request.method !== 'POST' || !match?.[1]) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Not found' }));
        return;
      }
      const connectionId = decodeURIComponent(match[1]);
      const remaining = goneAfter.get(connectionId);
      const gone = remaining !== undefined && remaining <= 0;
      if (remaining !== undefined && !gone) goneAfter.set(connectionId, remaining - 1);
      const text = body.toString('utf8');
      let frame: ServerFrame | undefined;
      try {
        const parsed = serverFrameSchema.safeParse(JSON.parse(text));
        frame = parsed.success ? parsed.data : undefined;
      } catch {
        frame = undefined;
      }
      posts.push({ connectionId, bytes: body.byteLength, frame, status: gone ? 410 : 200 });
      if (gone) {
        response.writeHead(410, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'GoneException',
          'x-amzn-requestid': randomUUID(),
        });
        response.end(JSON.stringify({ message: null }));
        return;
      }
      response.writeHead(200, { 'x-amzn-requestid': randomUUID() });
      response.end();
    })();
  });
  const port = await listen(server);
  return {
    callbackUrl: `http://127.0.0.1:${port}/prod`,
    posts,
    framesOf: (connectionId) =>
      posts
        .filter((post) => post.connectionId === connectionId && post.status === 200)
        .map((post) => post.frame)
        .filter((frame): frame is ServerFrame => frame !== undefined),
    markGone: (connectionId, afterFrames = 0) => goneAfter.set(connectionId, afterFrames),
    close: () => close(server),
  };
}

/** Amazon SQS's `SendMessage` (JSON protocol), recording each message body. */
export interface FakeSqs {
  /** `TURN_QUEUE_URL`; the SDK sends to the queue URL's host. */
  readonly queueUrl: string;
  readonly messages: { readonly messageId: string; readonly body: string }[];
  close(): Promise<void>;
}

export async function startFakeSqs(): Promise<FakeSqs> {
  const messages: { messageId: string; body: string }[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const body = JSON.parse((await readBody(request)).toString('utf8')) as {
        MessageBody?: string;
      };
      const target = request.headers['x-amz-target'];
      if (target !== 'AmazonSQS.SendMessage' || typeof body.MessageBody !== 'string') {
        response.writeHead(400, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'InvalidAction;Sender',
        });
        response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidAction', message: 'no' }));
        return;
      }
      const messageId = randomUUID();
      messages.push({ messageId, body: body.MessageBody });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({
          MessageId: messageId,
          // The SDK checks this against its own MD5 of the body.
          MD5OfMessageBody: createHash('md5').update(body.MessageBody).digest('hex'),
        }),
      );
    })();
  });
  const port = await listen(server);
  return {
    queueUrl: `http://127.0.0.1:${port}/123456789012/lgm-turns`,
    messages,
    close: () => close(server),
  };
}

/** Serves a JWKS (the issuer's keys) over HTTP, as Cognito's `jwks.json`. */
export async function startJwksServer(
  jwks: unknown,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(jwks));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, close: () => close(server) };
}
