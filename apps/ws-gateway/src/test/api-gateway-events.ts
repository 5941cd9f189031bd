import { randomUUID } from 'node:crypto';

import { apiGatewayWebSocketEvent } from '@lgm/testing';

/**
 * The events API Gateway WebSocket and SQS deliver to the ws-gateway's Lambdas, field by field as
 * AWS documents and sends them (the `$connect` handshake carries headers and the query string;
 * messages do not).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-route-keys-connect-disconnect.html
 */

const API_ID = 'ws123';
const DOMAIN = `${API_ID}.execute-api.eu-west-1.amazonaws.com`;

export interface HandshakeInput {
  readonly connectionId: string;
  readonly token?: string;
  /** `Sec-WebSocket-Protocol`, e.g. `bearer, <jwt>`. */
  readonly protocolHeader?: string;
}

function handshakeHeaders(input: HandshakeInput): Record<string, string> {
  return {
    Host: DOMAIN,
    Origin: 'https://app.lgm.example',
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...(input.protocolHeader === undefined
      ? {}
      : { 'Sec-WebSocket-Protocol': input.protocolHeader }),
    'User-Agent': 'Mozilla/5.0 (lgm-tests)',
    'X-Amzn-Trace-Id': 'Root=1-67891233-abcdef012345678912345678',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
}

function multi(values: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, [value]]));
}

/** A `$connect` event, with the authorizer's context when an authorizer allowed it. */
export function connectEvent(
  input: HandshakeInput & { authorizer?: Record<string, unknown> },
): Record<string, unknown> {
  const headers = handshakeHeaders(input);
  const query = input.token === undefined ? undefined : { token: input.token };
  return {
    headers,
    multiValueHeaders: multi(headers),
    ...(query === undefined
      ? {}
      : { queryStringParameters: query, multiValueQueryStringParameters: multi(query) }),
    requestContext: {
      routeKey: '$connect',
      eventType: 'CONNECT',
      extendedRequestId: 'ZMk0zE9SoAMFWdg=',
      requestTime: '26/Nov/2026:12:00:00 +0000',
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: 1795867200000,
      requestTimeEpoch: 1795867200000,
      identity: { sourceIp: '203.0.113.10', userAgent: 'Mozilla/5.0 (lgm-tests)' },
      requestId: 'ZMk0zE9SoAMFWdg=',
      domainName: DOMAIN,
      connectionId: input.connectionId,
      apiId: API_ID,
      ...(input.authorizer === undefined
        ? {}
        : { authorizer: { ...input.authorizer, integrationLatency: 12 } }),
    },
    isBase64Encoded: false,
  };
}

/** A frame from a client, routed by its `action` (or `$default`). */
export function messageEvent(
  connectionId: string,
  body: string | object,
  routeKey?: string,
): Record<string, unknown> {
  const action =
    typeof body === 'object' && body !== null && 'action' in body
      ? String((body as { action: unknown }).action)
      : '$default';
  return apiGatewayWebSocketEvent({
    routeKey: routeKey ?? action,
    connectionId,
    body,
  }) as unknown as Record<string, unknown>;
}

export function disconnectEvent(connectionId: string): Record<string, unknown> {
  return {
    headers: { Host: DOMAIN, 'x-api-key': '', 'x-restapi': '' },
    multiValueHeaders: { Host: [DOMAIN], 'x-api-key': [''], 'x-restapi': [''] },
    requestContext: {
      routeKey: '$disconnect',
      disconnectStatusCode: 1005,
      eventType: 'DISCONNECT',
      extendedRequestId: 'ZMk0zE9SoAMFWdh=',
      requestTime: '26/Nov/2026:12:05:00 +0000',
      messageDirection: 'IN',
      disconnectReason: 'Client-side close frame status not set',
      stage: 'prod',
      connectedAt: 1795867200000,
      requestTimeEpoch: 1795867500000,
      identity: { sourceIp: '203.0.113.10', userAgent: 'Mozilla/5.0 (lgm-tests)' },
      requestId: 'ZMk0zE9SoAMFWdh=',
      domainName: DOMAIN,
      connectionId,
      apiId: API_ID,
    },
    isBase64Encoded: false,
  };
}

/** The REQUEST authorizer's event for `$connect`. */
export function authorizerEvent(input: HandshakeInput): Record<string, unknown> {
  const connect = connectEvent(input);
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:eu-west-1:123456789012:${API_ID}/prod/$connect`,
    headers: connect['headers'],
    multiValueHeaders: connect['multiValueHeaders'],
    ...(input.token === undefined
      ? {}
      : {
          queryStringParameters: { token: input.token },
          multiValueQueryStringParameters: { token: [input.token] },
        }),
    stageVariables: {},
    requestContext: connect['requestContext'],
  };
}

/** An SQS batch as the Lambda event source mapping delivers it. */
export function sqsEvent(bodies: readonly string[]): Record<string, unknown> {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: `AQEB${randomUUID().replace(/-/g, '')}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1795867200000',
        SenderId: 'AROAEXAMPLE:lgm-ws-gateway-socket',
        ApproximateFirstReceiveTimestamp: '1795867200010',
      },
      messageAttributes: {},
      md5OfBody: 'ignored',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:lgm-turns',
      awsRegion: 'eu-west-1',
    })),
  };
}
