import { findModel, MODEL_CATALOG } from '@lgm/bedrock';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';

import { buildApp, createApp, type LgmApp } from '../app';
import { parseStageConfig, type StageConfigInput } from '../stage-config';
import { ARTIFACTS_PREFIX, type ChatStack, TABLE_DATA_ACTIONS } from './chat-stack';
import { DOCUMENTS_PREFIX, TITAN_EMBED_MODEL_ID } from './ingestion-stack';

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** `Fn::Join` of literals and references as one string: `<Ref>`, `<Id.Attr>`, `<import Name>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  if ('Ref' in node) return `<${String(node['Ref'])}>`;
  if ('Fn::ImportValue' in node) return `<import ${flatten(node['Fn::ImportValue'])}>`;
  if ('Fn::GetAtt' in node) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(node);
}

// The stub keeps these template tests independent of the apps' code; app.spec.ts bundles the
// real entries. Bundling and CloudFormation validation are skipped here for speed.
const STUB = 'infra/src/test-support/stub-handler.ts';
function synthChat(input: StageConfigInput): LgmApp {
  return buildApp(
    parseStageConfig(input),
    createApp({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    }),
    { chatEntries: { chatApi: STUB, socket: STUB, authorizer: STUB, worker: STUB } },
  );
}

type FunctionName = 'chatApi' | 'socketHandler' | 'authorizer' | 'worker';
const FUNCTIONS: readonly FunctionName[] = ['chatApi', 'socketHandler', 'authorizer', 'worker'];

/** A function's statements: inline policies of its role and policies attached to it. */
function statementsOf(chat: ChatStack, template: Template, role: Role): Statement[] {
  const roleId = chat.getLogicalId(role.node.defaultChild as CfnElement);
  const resource = template.findResources('AWS::IAM::Role')[roleId] as Resource;
  const inline = (
    (resource.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  const attached = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
  ).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
        .PolicyDocument.Statement,
  );
  return [...inline, ...attached];
}

const withAction = (statements: readonly Statement[], prefix: string): Statement[] =>
  statements.filter((statement) =>
    asArray(statement.Action).some((action) => action.startsWith(prefix)),
  );

describe('ChatStack (dev, customer managed key, two web origins)', () => {
  let lgm: LgmApp;
  let chat: ChatStack;
  let template: Template;
  let statements: Record<FunctionName, Statement[]>;
  let fns: Record<FunctionName, Resource>;

  beforeAll(() => {
    lgm = synthChat({
      stage: 'dev',
      encryption: 'customer-managed',
      alarmEmail: 'ops@example.com',
      webOrigins: 'http://localhost:5173,https://app.example.com',
    });
    chat = lgm.chat;
    template = Template.fromStack(chat);
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
    statements = {} as Record<FunctionName, Statement[]>;
    fns = {} as Record<FunctionName, Resource>;
    for (const name of FUNCTIONS) {
      statements[name] = statementsOf(chat, template, chat[name].role);
      const id = chat.getLogicalId(chat[name].function.node.defaultChild as CfnElement);
      fns[name] = functions[id] as Resource;
    }
  });

  const variablesOf = (name: FunctionName): Record<string, unknown> =>
    (fns[name].Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;

  describe('the REST API', () => {
    const methods = () => Object.values(template.findResources('AWS::ApiGateway::Method'));
    const pathOf = (method: Resource): string => {
      const resources = template.findResources('AWS::ApiGateway::Resource');
      const parts: string[] = [];
      let ref = method.Properties['ResourceId'] as { Ref?: string };
      while (ref.Ref !== undefined && resources[ref.Ref]) {
        const resource = resources[ref.Ref] as Resource;
        parts.unshift(String(resource.Properties['PathPart']));
        ref = resource.Properties['ParentId'] as { Ref?: string };
      }
      return `/${parts.join('/')}`;
    };
    const routes = () =>
      (methods() as Resource[])
        .filter((method) => method.Properties['HttpMethod'] !== 'OPTIONS')
        .map((method) => ({
          route: `${String(method.Properties['HttpMethod'])} ${pathOf(method)}`,
          method,
        }));

    it('sends every route to chat-api through a Lambda proxy', () => {
      expect(
        routes()
          .map(({ route }) => route)
          .sort(),
      ).toEqual(['ANY /{proxy+}', 'GET /docs', 'GET /docs/{proxy+}', 'GET /health']);
      const chatApiId = chat.getLogicalId(chat.chatApi.function.node.defaultChild as CfnElement);
      for (const { method } of routes()) {
        const integration = method.Properties['Integration'] as Record<string, unknown>;
        expect(integration['Type']).toBe('AWS_PROXY');
        expect(JSON.stringify(integration['Uri'])).toContain(chatApiId);
      }
    });

    it('asks for a Cognito access token with the openid scope everywhere but health and docs', () => {
      const [authorizerId, authorizer] = Object.entries(
        template.findResources('AWS::ApiGateway::Authorizer'),
      )[0] as [string, Resource];
      expect(authorizer.Properties).toMatchObject({
        Type: 'COGNITO_USER_POOLS',
        IdentitySource: 'method.request.header.Authorization',
      });
      expect(JSON.stringify(authorizer.Properties['ProviderARNs'])).toMatch(/Lgm-dev-Identity/);

      for (const { route, method } of routes()) {
        if (route === 'ANY /{proxy+}') {
          expect(method.Properties).toMatchObject({
            AuthorizationType: 'COGNITO_USER_POOLS',
            AuthorizerId: { Ref: authorizerId },
            // With scopes, API Gateway takes access tokens (not ID tokens), like the services.
            AuthorizationScopes: ['openid'],
          });
        } else {
          expect(method.Properties['AuthorizationType']).toBe('NONE');
          expect(method.Properties['AuthorizerId']).toBeUndefined();
        }
      }
    });

    it('validates the request parameters the proxy declares, with a body and parameter validator', () => {
      const [validatorId] = Object.entries(
        template.findResources('AWS::ApiGateway::RequestValidator', {
          Properties: { ValidateRequestBody: true, ValidateRequestParameters: true },
        }),
      )[0] as [string, Resource];
      const proxy = routes().find(({ route }) => route === 'ANY /{proxy+}')?.method;
      expect(proxy?.Properties).toMatchObject({
        RequestValidatorId: { Ref: validatorId },
        RequestParameters: { 'method.request.header.Authorization': true },
      });
    });

    it('throttles, traces and logs the stage, and keeps bodies out of the logs', () => {
      const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as Resource;
      expect(stage.Properties).toMatchObject({
        StageName: 'v1',
        TracingEnabled: true,
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
            MetricsEnabled: true,
          },
        ],
      });
      // Logging needs the account's CloudWatch role first.
      expect(stage['DependsOn']).toEqual(
        expect.arrayContaining([expect.stringMatching(/^ApiGatewayLoggingAccount/)]),
      );
      template.hasResourceProperties('AWS::ApiGateway::Account', {
        CloudWatchRoleArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^ApiGatewayLoggingRole'), 'Arn'],
        },
      });
    });

    it('writes one JSON access log line per request, with the caller and the refusal type', () => {
      const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0] as Resource;
      const setting = stage.Properties['AccessLogSetting'] as {
        DestinationArn: unknown;
        Format: string;
      };
      const format = JSON.parse(setting.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        responseType: '$context.error.responseType',
        sub: '$context.authorizer.claims.sub',
        ip: '$context.identity.sourceIp',
      });
      // Never the token or a body.
      expect(setting.Format).not.toMatch(/Authorization|requestBody|\$input/);
      const logGroupId = chat.getLogicalId(
        chat.restApi.accessLogGroup.node.defaultChild as CfnElement,
      );
      expect(flatten(setting.DestinationArn)).toContain(`<${logGroupId}>`);
      expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({
        Properties: { RetentionInDays: 30 },
      });
    });

    it('answers CORS preflights for the web origins, and lets the browser read gateway errors', () => {
      const preflights = (methods() as Resource[]).filter(
        (method) => method.Properties['HttpMethod'] === 'OPTIONS',
      );
      expect(preflights.length).toBeGreaterThanOrEqual(4);
      for (const preflight of preflights) {
        expect(preflight.Properties['AuthorizationType']).toBe('NONE');
        const text = JSON.stringify(preflight.Properties['Integration']);
        expect(text).toContain('http://localhost:5173');
        expect(text).toContain('https://app.example.com');
      }
      for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type,
          ResponseParameters: {
            // Two origins: the request's own is echoed, with Vary.
            'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.origin',
            'gatewayresponse.header.Vary': "'Origin'",
          },
        });
      }
      expect(variablesOf('chatApi')['CORS_ALLOWED_ORIGINS']).toBe(
        'http://localhost:5173,https://app.example.com',
      );
    });

    it('has no web ACL unless the stage asks for one', () => {
      template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    });
  });

  describe('the WebSocket API', () => {
    const routes = () =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];

    it('routes on the frame action to the socket Lambda', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: '$request.body.action',
      });
      expect(routes().map((route) => route.Properties['RouteKey'])).toEqual(
        expect.arrayContaining([
          '$connect',
          '$disconnect',
          '$default',
          'sendMessage',
          'resume',
          'cancel',
          'ping',
        ]),
      );
      expect(routes()).toHaveLength(7);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      expect(Object.keys(integrations)).toHaveLength(1);
      const socketId = chat.getLogicalId(
        chat.socketHandler.function.node.defaultChild as CfnElement,
      );
      expect(JSON.stringify(Object.values(integrations)[0])).toContain(socketId);
      // What the Lambda returns on a message route reaches the client.
      template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 5);
    });

    it('authorises $connect only, with the Lambda authorizer reading the token query parameter', () => {
      const [authorizerId, authorizer] = Object.entries(
        template.findResources('AWS::ApiGatewayV2::Authorizer'),
      )[0] as [string, Resource];
      const authorizerFnId = chat.getLogicalId(
        chat.authorizer.function.node.defaultChild as CfnElement,
      );
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        IdentitySource: ['route.request.querystring.token'],
      });
      expect(JSON.stringify(authorizer.Properties['AuthorizerUri'])).toContain(authorizerFnId);

      for (const route of routes()) {
        if (route.Properties['RouteKey'] === '$connect') {
          expect(route.Properties).toMatchObject({
            AuthorizationType: 'CUSTOM',
            AuthorizerId: { Ref: authorizerId },
          });
        } else {
          expect(route.Properties['AuthorizationType']).toBe('NONE');
          expect(route.Properties['AuthorizerId']).toBeUndefined();
        }
      }
      // API Gateway may invoke the authorizer, for this API only.
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [authorizerFnId, 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({
          'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/authorizers/')])]),
        }),
      });
    });

    it('throttles the stage and logs every event as JSON, without message bodies', () => {
      const stage = Object.values(
        template.findResources('AWS::ApiGatewayV2::Stage'),
      )[0] as Resource;
      expect(stage.Properties).toMatchObject({
        StageName: 'v1',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
      });
      const settings = stage.Properties['AccessLogSettings'] as { Format: string };
      expect(JSON.parse(settings.Format)).toMatchObject({
        routeKey: '$context.routeKey',
        connectionId: '$context.connectionId',
        status: '$context.status',
        sub: '$context.authorizer.principalId',
      });
      expect(settings.Format).not.toMatch(/body|token/i);
      expect(stage['DependsOn']).toEqual(
        expect.arrayContaining([expect.stringMatching(/^ApiGatewayLoggingAccount/)]),
      );
    });
  });

  describe('the functions', () => {
    it('run on arm64 and the newest Node.js runtime, traced, with JSON logs kept 30 days', () => {
      for (const name of FUNCTIONS) {
        expect(fns[name].Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        });
        const logGroupId = (fns[name].Properties['LoggingConfig'] as { LogGroup: { Ref: string } })
          .LogGroup.Ref;
        expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({
          Properties: { RetentionInDays: 30 },
        });
      }
      expect(fns.chatApi.Properties['Timeout']).toBe(29);
      expect(fns.socketHandler.Properties['Timeout']).toBe(29);
      expect(fns.worker.Properties['Timeout']).toBe(900);
    });

    it('put chat-api, the socket Lambda and the worker next to the database; the authorizer outside', () => {
      const ingress = Object.values(
        template.findResources('AWS::EC2::SecurityGroupIngress'),
      ) as Resource[];
      for (const name of ['chatApi', 'socketHandler', 'worker'] as const) {
        const vpcConfig = fns[name].Properties['VpcConfig'] as {
          SubnetIds: unknown[];
          SecurityGroupIds: { 'Fn::GetAtt': [string, string] }[];
        };
        expect(vpcConfig.SubnetIds).toHaveLength(2);
        for (const subnet of vpcConfig.SubnetIds) {
          expect(JSON.stringify(subnet)).toMatch(/applicationSubnet/);
        }
        const [sgId] = vpcConfig.SecurityGroupIds[0]?.['Fn::GetAtt'] ?? [];
        expect(
          ingress.filter(
            (rule) =>
              JSON.stringify(rule.Properties['SourceSecurityGroupId']).includes(String(sgId)) &&
              rule.Properties['FromPort'] === 5432 &&
              JSON.stringify(rule.Properties['GroupId']).includes('Lgm-dev-Database'),
          ),
        ).toHaveLength(1);
      }
      expect(ingress).toHaveLength(3);
      expect(fns.authorizer.Properties['VpcConfig']).toBeUndefined();
    });

    it('pass the agreed configuration names, and no secret in plain text', () => {
      const shared = [
        'SESSIONS_TABLE',
        'CONNECTIONS_TABLE',
        'MCP_TOOLS_TABLE',
        'DOCUMENTS_BUCKET',
        'ARTIFACTS_BUCKET',
        'DATABASE_SECRET_ARN',
        'DATABASE_HOST',
        'DATABASE_PORT',
        'DATABASE_NAME',
        'DATABASE_POOL_SIZE',
        'LLM_PROVIDER',
        'EMBEDDINGS_PROVIDER',
        'BEDROCK_REGION',
        'EMBEDDING_DIMENSIONS',
        'DEFAULT_MODEL_ID',
        'AUTH_ISSUER',
        'AUTH_AUDIENCE',
        'AUTH_TOKEN_USE',
      ];
      for (const name of ['chatApi', 'socketHandler', 'worker'] as const) {
        const variables = variablesOf(name);
        expect(Object.keys(variables)).toEqual(expect.arrayContaining(shared));
        expect(variables).toMatchObject({
          LLM_PROVIDER: 'bedrock',
          EMBEDDINGS_PROVIDER: 'bedrock-titan',
          EMBEDDING_DIMENSIONS: '1024',
          DEFAULT_MODEL_ID: 'claude-haiku-4-5',
          AUTH_TOKEN_USE: 'access',
          DATABASE_PORT: '5432',
          DATABASE_NAME: 'lgm',
          MCP_ALLOW_PRIVATE_NETWORKS: 'false',
          DOCUMENTS_BUCKET: { 'Fn::ImportValue': 'Lgm-dev-Data-DocumentsBucketName' },
          ARTIFACTS_BUCKET: { 'Fn::ImportValue': 'Lgm-dev-Data-ArtifactsBucketName' },
        });
        expect(JSON.stringify(variables['SESSIONS_TABLE'])).toMatch(/SessionsTable/);
        expect(JSON.stringify(variables['CONNECTIONS_TABLE'])).toMatch(/ConnectionsTable/);
        expect(JSON.stringify(variables['MCP_TOOLS_TABLE'])).toMatch(/McpToolsTable/);
        expect(JSON.stringify(variables['AUTH_ISSUER'])).toMatch(/Lgm-dev-Identity/);
        expect(JSON.stringify(variables['AUTH_AUDIENCE'])).toMatch(/WebClient/);
        // Lambda sets AWS_REGION itself; a password never sits in the environment.
        expect(variables).not.toHaveProperty('AWS_REGION');
        expect(variables).not.toHaveProperty('DATABASE_URL');
        expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager/);
      }
      // A non-streaming turn ends inside API Gateway's 29 seconds.
      expect(variablesOf('chatApi')['TURN_TIME_LIMIT_SECONDS']).toBe('25');

      const socketApiId = chat.getLogicalId(chat.socketApi.api.node.defaultChild as CfnElement);
      const callback = `https://<${socketApiId}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/v1`;
      expect(flatten(variablesOf('socketHandler')['WS_CALLBACK_URL'])).toBe(callback);
      expect(flatten(variablesOf('worker')['WS_CALLBACK_URL'])).toBe(callback);
      const queueId = chat.getLogicalId(chat.turnQueue.queue.node.defaultChild as CfnElement);
      expect(variablesOf('socketHandler')['TURN_QUEUE_URL']).toEqual({ Ref: queueId });
      expect(variablesOf('worker')).not.toHaveProperty('TURN_QUEUE_URL');
      expect(variablesOf('chatApi')).not.toHaveProperty('WS_CALLBACK_URL');

      // The authorizer only verifies tokens.
      expect(Object.keys(variablesOf('authorizer')).sort()).toEqual(
        [
          'AUTH_AUDIENCE',
          'AUTH_ISSUER',
          'AUTH_TOKEN_USE',
          'LOG_LEVEL',
          'NODE_OPTIONS',
          'POWERTOOLS_METRICS_NAMESPACE',
          'POWERTOOLS_SERVICE_NAME',
          'SERVICE_VERSION',
        ].sort(),
      );
    });
  });

  describe('the turn queue', () => {
    it('is encrypted, TLS only, and dead-letters a turn after 3 receives', () => {
      const queues = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
      expect(Object.keys(queues)).toHaveLength(2);
      const queueId = chat.getLogicalId(chat.turnQueue.queue.node.defaultChild as CfnElement);
      const dlqId = chat.getLogicalId(
        chat.turnQueue.deadLetterQueue.node.defaultChild as CfnElement,
      );
      const queue = queues[queueId] as Resource;
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: 3,
        },
      });
      const visibility = queue.Properties['VisibilityTimeout'] as number;
      expect(visibility).toBeGreaterThanOrEqual(6 * (fns.worker.Properties['Timeout'] as number));
      // Every receive fits in the retention, so a failing turn reaches the dead-letter queue.
      expect(queue.Properties['MessageRetentionPeriod']).toBeGreaterThan(3 * visibility);
      expect(queues[dlqId]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      for (const id of [queueId, dlqId]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });

    it('feeds the worker one turn at a time, reporting failures per item, with bounded concurrency', () => {
      const queueId = chat.getLogicalId(chat.turnQueue.queue.node.defaultChild as CfnElement);
      const workerId = chat.getLogicalId(chat.worker.function.node.defaultChild as CfnElement);
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionName: { Ref: workerId },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      });
    });
  });

  describe('the roles', () => {
    it('use no wildcard action, and "*" resources only where AWS offers no scoping', () => {
      for (const name of FUNCTIONS) {
        for (const statement of statements[name]) {
          expect(statement.Effect).toBe('Allow');
          for (const action of asArray(statement.Action)) expect(action).not.toContain('*');
        }
        const unscoped = statements[name]
          .filter((statement) => asArray(statement.Resource).includes('*'))
          .flatMap((statement) => asArray(statement.Action));
        for (const action of unscoped) expect(action).toMatch(/^(ec2|xray):/);
        const roleId = chat.getLogicalId(chat[name].role.node.defaultChild as CfnElement);
        expect(
          (template.findResources('AWS::IAM::Role')[roleId] as Resource).Properties[
            'ManagedPolicyArns'
          ],
        ).toBeUndefined();
      }
    });

    it('invoke exactly the configured chat models and Titan, only from chat-api and the worker', () => {
      const region = '<AWS::Region>';
      const chatModels = MODEL_CATALOG.filter((model) => model.kind === 'chat');
      const profiles = chatModels.map(
        (model) =>
          `arn:<AWS::Partition>:bedrock:${region}:<AWS::AccountId>:inference-profile/${model.bedrockModelId}`,
      );
      const destinations = chatModels.map(
        (model) =>
          `arn:<AWS::Partition>:bedrock:*::foundation-model/${model.bedrockModelId.replace(/^us\./, '')}`,
      );
      for (const name of ['chatApi', 'worker'] as const) {
        const invokes = withAction(statements[name], 'bedrock:');
        expect(invokes).toHaveLength(3);
        for (const statement of invokes) {
          for (const action of asArray(statement.Action)) {
            expect(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']).toContain(
              action,
            );
          }
          expect(asArray(statement.Resource)).not.toContain('*');
        }
        const [direct, routed, embed] = [
          invokes.find((s) => !s.Condition && asArray(s.Action).length === 2),
          invokes.find((s) => s.Condition),
          invokes.find((s) => asArray(s.Action).length === 1),
        ];
        expect(asArray(direct?.Resource).map(flatten).sort()).toEqual([...profiles].sort());
        // Foundation models in any region, but only through the configured profiles.
        expect(asArray(routed?.Resource).map(flatten).sort()).toEqual([...destinations].sort());
        const condition = routed?.Condition as {
          StringEquals: { 'bedrock:InferenceProfileArn': unknown[] };
        };
        expect(condition.StringEquals['bedrock:InferenceProfileArn'].map(flatten).sort()).toEqual(
          [...profiles].sort(),
        );
        expect(embed?.Action).toEqual('bedrock:InvokeModel');
        expect(asArray(embed?.Resource).map(flatten)).toEqual([
          `arn:<AWS::Partition>:bedrock:${region}::foundation-model/${TITAN_EMBED_MODEL_ID}`,
        ]);
      }
      expect(withAction(statements.socketHandler, 'bedrock:')).toEqual([]);
      expect(withAction(statements.authorizer, 'bedrock:')).toEqual([]);
    });

    it('give each function only its tables, with their indexes named', () => {
      const tablesOf = (name: FunctionName) => {
        const found = withAction(statements[name], 'dynamodb:');
        for (const statement of found) {
          expect(asArray(statement.Action).sort()).toEqual([...TABLE_DATA_ACTIONS].sort());
        }
        return found
          .flatMap((statement) => asArray(statement.Resource))
          .map((resource) => {
            const text = JSON.stringify(resource);
            const table = /(Sessions|Connections|McpTools)Table/.exec(text)?.[1] ?? text;
            const index = /\/index\/([\w-]+)/.exec(flatten(resource))?.[1];
            return index === undefined ? table : `${table}/${index}`;
          })
          .sort();
      };
      expect(tablesOf('chatApi')).toEqual(['McpTools', 'Sessions', 'Sessions/byOwner']);
      expect(tablesOf('socketHandler')).toEqual([
        'Connections',
        'Connections/byUser',
        'Sessions',
        'Sessions/byOwner',
      ]);
      expect(tablesOf('worker')).toEqual([
        'Connections',
        'Connections/byUser',
        'McpTools',
        'Sessions',
        'Sessions/byOwner',
      ]);
      expect(tablesOf('authorizer')).toEqual([]);
    });

    it('reach only their prefixes of the buckets, and the key only through S3 and DynamoDB', () => {
      const documents = 'arn:<AWS::Partition>:s3:::<import Lgm-dev-Data-DocumentsBucketName>';
      const artifacts = 'arn:<AWS::Partition>:s3:::<import Lgm-dev-Data-ArtifactsBucketName>';
      const objectGrants = (name: FunctionName) =>
        withAction(statements[name], 's3:')
          .filter((statement) => !asArray(statement.Action).includes('s3:ListBucket'))
          .map((statement) => ({
            actions: asArray(statement.Action).sort(),
            resources: asArray(statement.Resource).map(flatten),
          }));
      expect(objectGrants('chatApi')).toEqual(
        expect.arrayContaining([
          {
            actions: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
            resources: [`${documents}/${DOCUMENTS_PREFIX}*`],
          },
          { actions: ['s3:GetObject'], resources: [`${artifacts}/${ARTIFACTS_PREFIX}*`] },
        ]),
      );
      expect(objectGrants('chatApi')).toHaveLength(2);
      expect(objectGrants('worker')).toEqual([
        {
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [`${artifacts}/${ARTIFACTS_PREFIX}*`],
        },
      ]);
      expect(objectGrants('socketHandler')).toEqual([]);
      expect(objectGrants('authorizer')).toEqual([]);
      for (const statement of withAction(statements.chatApi, 's3:ListBucket')) {
        expect(statement.Condition).toEqual({
          StringLike: { 's3:prefix': expect.any(Array) },
        });
      }

      for (const name of FUNCTIONS) {
        for (const statement of withAction(statements[name], 'kms:')) {
          const via = (statement.Condition as { StringEquals: Record<string, unknown> })
            .StringEquals['kms:ViaService'];
          expect(flatten(via)).toMatch(/^(s3|dynamodb)\.<AWS::Region>\.amazonaws\.com$/);
          expect(JSON.stringify(statement.Resource)).toMatch(/DataKey/);
        }
      }
      expect(withAction(statements.authorizer, 'kms:')).toEqual([]);
    });

    it('read the database secret, queue turns from the socket Lambda, manage only this API’s connections', () => {
      for (const name of ['chatApi', 'socketHandler', 'worker'] as const) {
        const reads = withAction(statements[name], 'secretsmanager:');
        expect(reads).toHaveLength(1);
        expect(JSON.stringify(reads[0]?.Resource)).toMatch(/Lgm-dev-Database/);
      }
      expect(withAction(statements.authorizer, 'secretsmanager:')).toEqual([]);

      const queueId = chat.getLogicalId(chat.turnQueue.queue.node.defaultChild as CfnElement);
      const sends = withAction(statements.socketHandler, 'sqs:');
      expect(sends).toHaveLength(1);
      expect(asArray(sends[0]?.Action)).toContain('sqs:SendMessage');
      expect(asArray(sends[0]?.Action)).not.toContain('sqs:ReceiveMessage');
      expect(sends[0]?.Resource).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
      for (const name of ['chatApi', 'authorizer'] as const) {
        expect(withAction(statements[name], 'sqs:')).toEqual([]);
      }
      expect(
        withAction(statements.worker, 'sqs:').flatMap((statement) => asArray(statement.Action)),
      ).not.toContain('sqs:SendMessage');

      const socketApiId = chat.getLogicalId(chat.socketApi.api.node.defaultChild as CfnElement);
      for (const name of ['socketHandler', 'worker'] as const) {
        const manage = withAction(statements[name], 'execute-api:');
        expect(manage).toHaveLength(1);
        expect(manage[0]?.Action).toBe('execute-api:ManageConnections');
        expect(asArray(manage[0]?.Resource).map(flatten)).toEqual([
          `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${socketApiId}>/v1/*/@connections/*`,
        ]);
      }
      for (const name of ['chatApi', 'authorizer'] as const) {
        expect(withAction(statements[name], 'execute-api:')).toEqual([]);
      }
    });
  });

  it('alarms on errors, throttling, waiting and dead-lettered turns, through an encrypted topic', () => {
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topicId },
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    const metrics = alarms
      .map(
        (alarm) =>
          `${String(alarm.Properties['Namespace'])}/${String(alarm.Properties['MetricName'])}`,
      )
      .sort();
    expect(metrics).toEqual(
      [
        'AWS/ApiGateway/5XXError',
        'LGM/dev/RestThrottledRequests',
        'AWS/ApiGateway/ExecutionError',
        'AWS/ApiGateway/IntegrationError',
        ...Array<string>(4).fill('AWS/Lambda/Errors'),
        ...Array<string>(4).fill('AWS/Lambda/Throttles'),
        'AWS/Lambda/Duration',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/SQS/ApproximateAgeOfOldestMessage',
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    const byMetric = (name: string) =>
      alarms.find((alarm) => alarm.Properties['MetricName'] === name)?.Properties;
    expect(byMetric('Duration')).toMatchObject({ Threshold: 720_000, Statistic: 'Maximum' });
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toMatchObject({ Threshold: 0 });
    expect(byMetric('ApproximateAgeOfOldestMessage')).toMatchObject({ Threshold: 60 });
    expect(JSON.stringify(byMetric('5XXError')?.['Dimensions'])).toContain('"Stage"');
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.responseType = "THROTTLED" }',
      MetricTransformations: [
        { MetricNamespace: 'LGM/dev', MetricName: 'RestThrottledRequests', MetricValue: '1' },
      ],
    });
  });

  it('outputs the URLs of both APIs', () => {
    template.hasOutput('RestApiUrl', {});
    const socketApiId = chat.getLogicalId(chat.socketApi.api.node.defaultChild as CfnElement);
    const outputs = template.findOutputs('WebSocketUrl');
    expect(flatten(Object.values(outputs)[0]?.['Value'])).toBe(
      `wss://<${socketApiId}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/v1`,
    );
  });

  it('is deployed after the stacks it reads from', () => {
    expect(chat.dependencies.map((stack) => stack.stackName).sort()).toEqual(
      ['Lgm-dev-Data', 'Lgm-dev-Database', 'Lgm-dev-Identity', 'Lgm-dev-Network'].sort(),
    );
    expect(Stack.of(chat).stackName).toBe('Lgm-dev-Chat');
  });
});

describe('ChatStack (prod: WAF, one web origin, a chosen model list)', () => {
  let template: Template;
  let chat: ChatStack;

  beforeAll(() => {
    ({ chat } = synthChat({
      stage: 'prod',
      webOrigins: 'https://app.example.com',
      chatModelIds: 'nova-lite,claude-haiku-4-5',
      defaultModelId: 'nova-lite',
      apiThrottleRate: '20',
      apiThrottleBurst: '40',
    }));
    template = Template.fromStack(chat);
  });

  it('puts a web ACL with managed rules and a per-IP rate limit in front of the REST stage', () => {
    const [aclId, acl] = Object.entries(template.findResources('AWS::WAFv2::WebACL'))[0] as [
      string,
      Resource,
    ];
    expect(acl.Properties['Scope']).toBe('REGIONAL');
    const rules = acl.Properties['Rules'] as { Name: string; Statement: Record<string, unknown> }[];
    expect(rules.map((rule) => rule.Name)).toEqual([
      'rate-limit-per-ip',
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesCommonRuleSet',
    ]);
    const stageId = chat.getLogicalId(
      chat.restApi.api.deploymentStage.node.defaultChild as CfnElement,
    );
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      ResourceArn: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: stageId }])]),
      }),
    });
  });

  it('uses the stage’s throttling, origin and models', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
      }),
    });
    const worker = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Timeout: 900 },
      }),
    )[0] as Resource;
    expect(
      (worker.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables,
    ).toMatchObject({ DEFAULT_MODEL_ID: 'nova-lite', LOG_LEVEL: 'info' });

    const invokable = JSON.stringify(
      Object.values(template.findResources('AWS::IAM::Policy')).map(
        (policy) => (policy as Resource).Properties['PolicyDocument'],
      ),
    );
    for (const model of MODEL_CATALOG.filter((entry) => entry.kind === 'chat')) {
      const chosen = ['nova-lite', 'claude-haiku-4-5'].includes(model.id);
      expect(invokable.includes(`inference-profile/${model.bedrockModelId}`)).toBe(chosen);
    }
    expect(findModel('nova-lite')?.bedrockModelId).toBe('us.amazon.nova-lite-v1:0');
  });

  it('is protected from deletion', () => {
    expect(chat.terminationProtection).toBe(true);
  });
});
