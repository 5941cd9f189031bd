import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  type RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';

/** Properties of {@link ChatRestApi}. */
export interface ChatRestApiProps {
  /** Shown in the console: `lgm-<stage>-chat`. */
  readonly apiName: string;
  /** chat-api's Lambda: every route goes to it (a proxy). */
  readonly handler: IFunction;
  readonly userPool: IUserPool;
  /**
   * OAuth scopes an access token must carry. With scopes, API Gateway's Cognito authorizer
   * accepts access tokens (and refuses ID tokens), which is what the services verify
   * (AUTH_TOKEN_USE=access).
   */
  readonly authorizationScopes: readonly string[];
  /** Browser origins allowed to call the API (the web app). */
  readonly allowedOrigins: readonly string[];
  readonly stageName: string;
  /** Steady requests per second for the whole stage, and the burst above it. */
  readonly throttleRate: number;
  readonly throttleBurst: number;
  /** Must be set up (and deployed) before the stage enables its logs. */
  readonly loggingAccount: IConstruct;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Fields of one access log line (JSON, one object per request). `responseType` names API
 * Gateway's own refusals (THROTTLED, UNAUTHORIZED, BAD_REQUEST_PARAMETERS, …), which the
 * throttling alarm counts; `sub` is the caller, never the token.
 */
export const REST_ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  responseType: '$context.error.responseType',
  error: '$context.error.message',
  sub: '$context.authorizer.claims.sub',
  xrayTraceId: '$context.xrayTraceId',
};

/**
 * The chat REST API (ARCHITECTURE §1): API Gateway REST in front of chat-api's Lambda, regional,
 * with X-Ray tracing, stage-wide throttling, JSON access logs, error-level execution logs (request
 * and response bodies are never logged) and CORS for the web origins.
 *
 * Every route needs a Cognito access token with the configured scopes, except `GET /health` and
 * `GET /docs` (with its assets), which are public by design.
 *
 * Request validation: the API is a proxy (`ANY /{proxy+}`), and API Gateway validates only what
 * a method declares: required parameters, and a body only against a model for its content type.
 * One model cannot describe every route's body (some have none), so the proxy declares what every
 * authenticated route shares, the `Authorization` header, and chat-api validates bodies, query
 * strings and sizes itself (zod, unknown fields refused, 4xx with a code).
 */
export class ChatRestApi extends Construct {
  readonly api: RestApi;
  readonly accessLogGroup: LogGroup;
  readonly validator: RequestValidator;
  /** Methods anyone may call: `GET /health`, `GET /docs`, `GET /docs/{proxy+}`. */
  readonly publicMethods: readonly Method[];
  /** The authenticated proxy: `ANY /{proxy+}`. */
  readonly proxyMethod: Method;

  constructor(scope: Construct, id: string, props: ChatRestApiProps) {
    super(scope, id);

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'LGM chat REST API (chat-api)',
      endpointTypes: [EndpointType.REGIONAL],
      // Logging goes through the account's role (ApiGatewayLoggingRole), shared by all stages.
      cloudWatchRole: false,
      defaultCorsPreflightOptions: {
        allowOrigins: [...props.allowedOrigins],
        allowMethods: Cors.ALL_METHODS,
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining'],
        maxAge: Duration.hours(1),
      },
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: true,
        throttlingRateLimit: props.throttleRate,
        throttlingBurstLimit: props.throttleBurst,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        accessLogDestination: new LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(REST_ACCESS_LOG_FIELDS)),
      },
    });
    this.api.deploymentStage.node.addDependency(props.loggingAccount);

    // API Gateway's own error responses (401 from the authorizer, 429 from throttling, 403 on an
    // unknown path) carry CORS headers too, so the browser can read them. Their bodies hold no
    // user data; with several web origins the request's origin is echoed (Vary: Origin).
    const [onlyOrigin] = props.allowedOrigins;
    const allowOrigin =
      props.allowedOrigins.length === 1 && onlyOrigin !== undefined
        ? `'${onlyOrigin}'`
        : 'method.request.header.origin';
    for (const [name, type] of [
      ['Default4xx', ResponseType.DEFAULT_4XX],
      ['Default5xx', ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(name, {
        type,
        responseHeaders: {
          'Access-Control-Allow-Origin': allowOrigin,
          Vary: "'Origin'",
        },
      });
    }

    this.validator = this.api.addRequestValidator('Validator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    const integration = new LambdaIntegration(props.handler, {
      proxy: true,
      // No permission for the console's test invocations.
      allowTestInvoke: false,
    });
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
      identitySource: 'method.request.header.Authorization',
      resultsCacheTtl: Duration.minutes(5),
    });

    const root = this.api.root;
    const health = root.addResource('health');
    const docs = root.addResource('docs');
    const publicOptions = { authorizationType: AuthorizationType.NONE };
    this.publicMethods = [
      health.addMethod('GET', integration, publicOptions),
      docs.addMethod('GET', integration, publicOptions),
      docs.addResource('{proxy+}').addMethod('GET', integration, publicOptions),
    ];

    this.proxyMethod = root.addResource('{proxy+}').addMethod('ANY', integration, {
      authorizationType: AuthorizationType.COGNITO,
      authorizer,
      authorizationScopes: [...props.authorizationScopes],
      requestValidator: this.validator,
      requestParameters: { 'method.request.header.Authorization': true },
    });
  }
}
