import type { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  LogGroupLogDestination,
  WebSocketApi,
  type WebSocketRoute,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';

/** The `action` values of client frames (`@lgm/contracts`), each its own route. */
export const SOCKET_ACTION_ROUTES = ['sendMessage', 'resume', 'cancel', 'ping'] as const;

/** The query string parameter that carries the access token on `$connect`. */
export const SOCKET_TOKEN_QUERY_PARAMETER = 'token';

/** Properties of {@link ChatSocketApi}. */
export interface ChatSocketApiProps {
  readonly apiName: string;
  /** ws-gateway's socket Lambda: every route goes to it. */
  readonly handler: IFunction;
  /** ws-gateway's REQUEST authorizer, run on `$connect` only. */
  readonly authorizer: IFunction;
  readonly stageName: string;
  /** Steady messages per second for the whole stage, and the burst above it. */
  readonly throttleRate: number;
  readonly throttleBurst: number;
  /** Must be set up (and deployed) before the stage enables its logs. */
  readonly loggingAccount: IConstruct;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Fields of one access log line (JSON): one per connect, message and disconnect. */
export const SOCKET_ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  status: '$context.status',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
  integrationError: '$context.integration.error',
  authorizerError: '$context.authorizer.error',
  sub: '$context.authorizer.principalId',
};

/**
 * The chat WebSocket API (ARCHITECTURE §3): routes chosen by the frame's `action`
 * (`$request.body.action`): `$connect`, `$disconnect`, `$default` and one route per client
 * action, all to ws-gateway's socket Lambda. Route responses are on for the message routes, so
 * what the Lambda returns as a body (an ack, a pong, an error) reaches the client directly.
 *
 * Only `$connect` has an authorizer: API Gateway authorises a WebSocket once, when it opens, and
 * every later message travels on that authenticated connection (the Lambda finds the user by
 * connection id). The token comes in the `token` query parameter because browsers cannot set
 * headers on a WebSocket. The alternative, the token as a `Sec-WebSocket-Protocol` value, would
 * need `route.request.header.Sec-WebSocket-Protocol` as the identity source instead (identity
 * sources are all required, so one API cannot accept either), and `$connect` would then have to
 * echo the chosen protocol back; the authorizer Lambda reads both, so switching is this one line.
 *
 * The stage throttles every route, writes JSON access logs and error-level execution logs
 * (message bodies are never logged). WebSocket APIs support neither X-Ray nor AWS WAF.
 */
export class ChatSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogGroup: LogGroup;
  /** Every route but `$connect`: authorised by the connection they travel on. */
  readonly messageRoutes: readonly WebSocketRoute[];

  constructor(scope: Construct, id: string, props: ChatSocketApiProps) {
    super(scope, id);

    // One integration serves every route (each route gets its own invoke permission).
    const integration = new WebSocketLambdaIntegration('Socket', props.handler);
    const authorizer = new WebSocketLambdaAuthorizer('Authorizer', props.authorizer, {
      authorizerName: `${props.apiName}-connect`,
      identitySource: [`route.request.querystring.${SOCKET_TOKEN_QUERY_PARAMETER}`],
    });

    this.api = new WebSocketApi(this, 'Api', {
      apiName: props.apiName,
      description: 'LGM chat WebSocket API (ws-gateway)',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: { integration, authorizer },
      disconnectRouteOptions: { integration },
      defaultRouteOptions: { integration, returnResponse: true },
    });
    const actionRoutes = SOCKET_ACTION_ROUTES.map((action) =>
      this.api.addRoute(action, { integration, returnResponse: true }),
    );
    this.messageRoutes = [
      ...['$disconnect', '$default'].map(
        (key) => this.api.node.findChild(`${key}-Route`) as WebSocketRoute,
      ),
      ...actionRoutes,
    ];

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRate, burstLimit: props.throttleBurst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(SOCKET_ACCESS_LOG_FIELDS)),
      },
    });
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.addPropertyOverride('DefaultRouteSettings.LoggingLevel', 'ERROR');
    cfnStage.addPropertyOverride('DefaultRouteSettings.DataTraceEnabled', false);
    this.stage.node.addDependency(props.loggingAccount);
  }
}
