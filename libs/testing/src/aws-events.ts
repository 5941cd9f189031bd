import type { APIGatewayProxyEvent, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';

/**
 * Realistic Lambda inputs, shaped field by field like what API Gateway and Lambda deliver, so the
 * adapters are tested against the real contract rather than a convenient subset.
 */

export interface RestEventInput {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string | object;
  readonly stage?: string;
}

/** An API Gateway REST API (v1 payload) proxy integration event. */
export function apiGatewayRestEvent(input: RestEventInput): APIGatewayProxyEvent {
  const method = input.method ?? 'GET';
  const stage = input.stage ?? 'prod';
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'lgm-tests',
    'X-Amzn-Trace-Id': 'Root=1-67891233-abcdef012345678912345678',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...input.headers,
  };
  const body =
    input.body === undefined
      ? null
      : typeof input.body === 'string'
        ? input.body
        : JSON.stringify(input.body);
  if (body !== null && !Object.keys(headers).some((key) => key.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  const query = input.query ?? null;
  return {
    resource: '/{proxy+}',
    path: input.path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([key, value]) => [key, [value]]),
    ),
    queryStringParameters: query ? { ...query } : null,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([key, value]) => [key, [value]]))
      : null,
    pathParameters: { proxy: input.path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      extendedRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'lgm-tests',
        userArn: null,
      },
      path: `/${stage}${input.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime: '26/Nov/2026:12:00:00 +0000',
      requestTimeEpoch: 1795867200000,
      resourceId: 'abc123',
      resourcePath: '/{proxy+}',
      stage,
    },
    body,
    isBase64Encoded: false,
  };
}

export interface WebSocketEventInput {
  readonly routeKey: string;
  readonly eventType?: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  readonly connectionId?: string;
  readonly body?: string | object;
}

/** An API Gateway WebSocket API event as a Lambda integration receives it. */
export function apiGatewayWebSocketEvent(
  input: WebSocketEventInput,
): APIGatewayProxyWebsocketEventV2 {
  const eventType =
    input.eventType ??
    (input.routeKey === '$connect'
      ? 'CONNECT'
      : input.routeKey === '$disconnect'
        ? 'DISCONNECT'
        : 'MESSAGE');
  const body =
    input.body === undefined
      ? undefined
      : typeof input.body === 'string'
        ? input.body
        : JSON.stringify(input.body);
  return {
    requestContext: {
      routeKey: input.routeKey,
      messageId: eventType === 'MESSAGE' ? 'ZMk0zeHJoAMCLEw=' : undefined,
      eventType,
      extendedRequestId: 'ZMk0zE9SoAMFWdg=',
      requestTime: '26/Nov/2026:12:00:00 +0000',
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: 1795867190000,
      requestTimeEpoch: 1795867200000,
      requestId: 'ZMk0zE9SoAMFWdg=',
      domainName: 'ws123.execute-api.eu-west-1.amazonaws.com',
      connectionId: input.connectionId ?? 'ZMk0zeHJoAMCLEw=',
      apiId: 'ws123',
    },
    body,
    isBase64Encoded: false,
  } as APIGatewayProxyWebsocketEventV2;
}

/** A Lambda invocation context with a generous remaining time. */
export function lambdaContext(functionName = 'lgm-test-function'): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: '7f2c3a4b-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/26/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
