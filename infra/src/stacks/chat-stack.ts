import { join } from 'node:path';

import { getModel } from '@lgm/bedrock';
import { type TableName, TABLES } from '@lgm/persistence';
import {
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import { AlarmTopic } from '../constructs/alarm-topic';
import { ApiFirewall } from '../constructs/api-firewall';
import { ApiGatewayLoggingRole } from '../constructs/api-gateway-logging-role';
import { type AuroraDatabase, DATABASE_PORT } from '../constructs/aurora-database';
import { BEDROCK_INVOKE_ACTIONS, bedrockModelAccess } from '../constructs/bedrock-model-access';
import { ChatAlarms } from '../constructs/chat-alarms';
import { ChatRestApi } from '../constructs/chat-rest-api';
import { ChatSocketApi } from '../constructs/chat-socket-api';
import { ServiceFunction } from '../constructs/service-function';
import { WorkQueue } from '../constructs/work-queue';
import { iam5FindingId } from '../nag-findings';
import type { StageConfig } from '../stage-config';
import { workspaceRoot } from '../workspace';
import { DOCUMENTS_PREFIX, TITAN_DIMENSIONS, TITAN_EMBED_MODEL_ID } from './ingestion-stack';

/** Generated files of code runs and tools live under this prefix of the artifacts bucket. */
export const ARTIFACTS_PREFIX = 'artifacts/';

/** The Lambda entries of the chat services, relative to the workspace root. */
export interface ChatEntries {
  /** chat-api behind API Gateway REST. */
  readonly chatApi: string;
  /** ws-gateway: every WebSocket route. */
  readonly socket: string;
  /** ws-gateway: the REQUEST authorizer of `$connect`. */
  readonly authorizer: string;
  /** ws-gateway: the turn worker (SQS). */
  readonly worker: string;
}

/** The entries the apps ship (the brief's agreed names). */
export const CHAT_ENTRIES: ChatEntries = {
  chatApi: 'apps/chat-api/src/lambda.ts',
  socket: 'apps/ws-gateway/src/lambda.ts',
  authorizer: 'apps/ws-gateway/src/authorizer.ts',
  worker: 'apps/ws-gateway/src/worker.ts',
};

/**
 * What the repositories of `@lgm/persistence` do with items (transactions are authorised as
 * their parts), plus DescribeTable for health reports; no scans, no streams, no table changes.
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DescribeTable',
] as const;

/** Stage name of both APIs: `https://<id>.execute-api.<region>.amazonaws.com/v1`. */
export const API_STAGE_NAME = 'v1';

/** The scope API Gateway requires of access tokens (the web client always asks for it). */
export const API_AUTHORIZATION_SCOPES = ['openid'] as const;

// API Gateway gives an integration at most 29 seconds (REST and WebSocket); a function that runs
// longer only burns time nobody waits for.
const API_FUNCTION_TIMEOUT = Duration.seconds(29);
// A turn streams for minutes (tool calls included); Lambda's maximum.
const WORKER_TIMEOUT = Duration.minutes(15);

/** Properties of {@link ChatStack}. */
export interface ChatStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  /** The network stack's application tier (egress through NAT). */
  readonly applicationSubnets: SubnetSelection;
  /** The data stack's DynamoDB tables. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** Exports of the buckets' names ({@link DataStack.documentsBucketNameExport}, …). */
  readonly documentsBucketNameExport: string;
  readonly artifactsBucketNameExport: string;
  /** The buckets' key, when it is customer managed. */
  readonly dataKey?: IKey;
  readonly database: AuroraDatabase;
  readonly databaseName: string;
  readonly userPool: IUserPool;
  readonly webClient: IUserPoolClient;
  /** The user pool's issuer URL (AUTH_ISSUER). */
  readonly issuerUrl: string;
  /** Other Lambda entries, e.g. in tests; {@link CHAT_ENTRIES} by default. */
  readonly entries?: Partial<ChatEntries>;
}

/**
 * The chat services on AWS (ARCHITECTURE §1 and §3):
 *
 * - API Gateway REST (Cognito authorizer, throttling, access logs, request validation, optional
 *   WAF) → chat-api's Lambda;
 * - API Gateway WebSocket (Lambda authorizer on `$connect`) → ws-gateway's socket Lambda, which
 *   hands each turn to the turn queue (SQS + DLQ) → the worker Lambda, which runs the turn and
 *   streams its events back through the WebSocket management API;
 * - least-privilege roles: each function gets only the tables, bucket prefixes, models, queue and
 *   connections it uses; Bedrock only for the configured model ids;
 * - alarms on server errors, throttling, failures, waiting turns and dead letters.
 *
 * chat-api, the socket Lambda and the worker run in the VPC's application subnets next to the
 * database; they reach the internet (the user pool's keys, the management API, MCP servers)
 * through NAT. The authorizer needs only the user pool's keys and runs outside the VPC.
 */
export class ChatStack extends Stack {
  readonly chatApi: ServiceFunction;
  readonly socketHandler: ServiceFunction;
  readonly authorizer: ServiceFunction;
  readonly worker: ServiceFunction;
  readonly restApi: ChatRestApi;
  readonly socketApi: ChatSocketApi;
  readonly turnQueue: WorkQueue;
  readonly alarms: ChatAlarms;
  readonly alarmTopic: AlarmTopic;
  readonly loggingRole: ApiGatewayLoggingRole;
  readonly firewall: ApiFirewall | undefined;

  private readonly documentsBucketArn: string;
  private readonly artifactsBucketArn: string;
  /** Foundation models granted in every region, for the inference profiles (see grantAccess). */
  private modelWildcards: readonly string[] = [];

  constructor(scope: Construct, id: string, props: ChatStackProps) {
    super(scope, id, props);
    const { config, database, tables } = props;
    const removalPolicy =
      config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;
    const root = workspaceRoot();
    const entries = { ...CHAT_ENTRIES, ...props.entries };
    const network = { vpc: props.vpc, subnets: props.applicationSubnets };
    const apiName = `lgm-${config.stage}-chat`;

    const documentsBucket = Fn.importValue(props.documentsBucketNameExport);
    const artifactsBucket = Fn.importValue(props.artifactsBucketNameExport);
    this.documentsBucketArn = `arn:${Aws.PARTITION}:s3:::${documentsBucket}`;
    this.artifactsBucketArn = `arn:${Aws.PARTITION}:s3:::${artifactsBucket}`;

    // API Gateway gives a WebSocket integration 29 seconds; a turn may stream for minutes.
    this.turnQueue = new WorkQueue(this, 'Turns', {
      // SQS's advice for Lambda consumers: six times the function timeout.
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6),
      maxReceiveCount: 3,
      // A turn nobody ran within a day is stale.
      retentionPeriod: Duration.days(1),
      removalPolicy,
    });

    const auth = {
      AUTH_ISSUER: props.issuerUrl,
      AUTH_AUDIENCE: props.webClient.userPoolClientId,
      AUTH_TOKEN_USE: 'access',
    };
    const service = (name: string) => ({
      LOG_LEVEL: config.isProduction ? 'info' : 'debug',
      SERVICE_VERSION: config.serviceVersion,
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: 'LGM',
    });
    // What chat-api, the socket Lambda and the worker share (chatServiceConfigShape).
    const chatService = {
      ...auth,
      // No DATABASE_URL: its password would sit in plain text in the configuration and go stale
      // at the first rotation; the services build it at cold start from these and the secret,
      // with TLS verified against the runtime's CA bundle (like doc-ingestor).
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      DATABASE_SECRET_ARN: database.secret.secretArn,
      DATABASE_HOST: database.cluster.clusterEndpoint.hostname,
      DATABASE_PORT: String(DATABASE_PORT),
      DATABASE_NAME: props.databaseName,
      SESSIONS_TABLE: tables.sessions.tableName,
      CONNECTIONS_TABLE: tables.connections.tableName,
      MCP_TOOLS_TABLE: tables['mcp-tools'].tableName,
      DOCUMENTS_BUCKET: documentsBucket,
      ARTIFACTS_BUCKET: artifactsBucket,
      LLM_PROVIDER: 'bedrock',
      // The ingested chunks are Titan v2 vectors: queries must be embedded the same way.
      EMBEDDINGS_PROVIDER: 'bedrock-titan',
      BEDROCK_REGION: this.region,
      TITAN_DIMENSIONS: String(TITAN_DIMENSIONS),
      EMBEDDING_DIMENSIONS: String(TITAN_DIMENSIONS),
      DEFAULT_MODEL_ID: config.defaultModelId,
      MCP_ALLOW_PRIVATE_NETWORKS: 'false',
    };

    this.chatApi = new ServiceFunction(this, 'ChatApi', {
      serviceName: 'chat-api',
      entry: join(root, entries.chatApi),
      projectRoot: root,
      network,
      timeout: API_FUNCTION_TIMEOUT,
      memorySize: 1024,
      environment: {
        ...chatService,
        ...service('chat-api'),
        DATABASE_POOL_SIZE: '2',
        CORS_ALLOWED_ORIGINS: config.webOrigins.join(','),
        // A non-streaming turn (POST messages) must end, stored, before API Gateway gives up.
        TURN_TIME_LIMIT_SECONDS: String(API_FUNCTION_TIMEOUT.toSeconds() - 4),
      },
      logRetention,
      removalPolicy,
    });

    this.authorizer = new ServiceFunction(this, 'SocketAuthorizer', {
      serviceName: 'ws-authorizer',
      entry: join(root, entries.authorizer),
      projectRoot: root,
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: { ...auth, ...service('ws-authorizer') },
      logRetention,
      removalPolicy,
    });

    this.loggingRole = new ApiGatewayLoggingRole(this, 'ApiGatewayLogging');

    // The socket Lambda needs the API's callback URL and the API needs the Lambda: the function
    // is created first, and its environment gets the URL once the stage exists.
    this.socketHandler = new ServiceFunction(this, 'SocketHandler', {
      serviceName: 'ws-gateway',
      entry: join(root, entries.socket),
      projectRoot: root,
      network,
      timeout: API_FUNCTION_TIMEOUT,
      memorySize: 512,
      environment: {
        ...chatService,
        ...service('ws-gateway'),
        DATABASE_POOL_SIZE: '1',
        TURN_QUEUE_URL: this.turnQueue.queue.queueUrl,
      },
      logRetention,
      removalPolicy,
    });

    this.socketApi = new ChatSocketApi(this, 'SocketApi', {
      apiName: `${apiName}-socket`,
      handler: this.socketHandler.function,
      authorizer: this.authorizer.function,
      stageName: API_STAGE_NAME,
      throttleRate: config.socketThrottleRate,
      throttleBurst: config.socketThrottleBurst,
      loggingAccount: this.loggingRole.account,
      logRetention,
      removalPolicy,
    });
    const callbackUrl = this.socketApi.stage.callbackUrl;
    this.socketHandler.function.addEnvironment('WS_CALLBACK_URL', callbackUrl);

    this.worker = new ServiceFunction(this, 'TurnWorker', {
      serviceName: 'ws-worker',
      entry: join(root, entries.worker),
      projectRoot: root,
      network,
      timeout: WORKER_TIMEOUT,
      memorySize: 1024,
      environment: {
        ...chatService,
        ...service('ws-worker'),
        DATABASE_POOL_SIZE: '2',
        WS_CALLBACK_URL: callbackUrl,
      },
      logRetention,
      removalPolicy,
    });
    this.worker.function.addEventSource(
      new SqsEventSource(this.turnQueue.queue, {
        // One turn per invocation: a turn's failure never retries another user's turn.
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: config.maxConcurrentTurns,
      }),
    );

    this.restApi = new ChatRestApi(this, 'RestApi', {
      apiName,
      handler: this.chatApi.function,
      userPool: props.userPool,
      authorizationScopes: API_AUTHORIZATION_SCOPES,
      allowedOrigins: config.webOrigins,
      stageName: API_STAGE_NAME,
      throttleRate: config.apiThrottleRate,
      throttleBurst: config.apiThrottleBurst,
      loggingAccount: this.loggingRole.account,
      logRetention,
      removalPolicy,
    });
    this.firewall = config.wafEnabled
      ? new ApiFirewall(this, 'Firewall', {
          metricPrefix: apiName,
          stageArn: this.restApi.api.deploymentStage.stageArn,
          requestsPerIpPer5Minutes: 2000,
        })
      : undefined;

    this.grantAccess(props);

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      description: `LGM ${config.stage}: chat alarms`,
      email: config.alarmEmail,
      removalPolicy,
    });
    this.alarms = new ChatAlarms(this, 'Alarms', {
      restStage: this.restApi.api.deploymentStage,
      restAccessLogGroup: this.restApi.accessLogGroup,
      socketStage: this.socketApi.stage,
      functions: {
        'chat-api': this.chatApi.function,
        'ws-gateway': this.socketHandler.function,
        'ws-authorizer': this.authorizer.function,
        'ws-worker': this.worker.function,
      },
      turnQueue: this.turnQueue.queue,
      turnDeadLetterQueue: this.turnQueue.deadLetterQueue,
      maxTurnWait: Duration.minutes(1),
      worker: this.worker.function,
      workerTimeout: WORKER_TIMEOUT,
      metricNamespace: `LGM/${config.stage}`,
      action: new SnsAction(this.alarmTopic.topic),
    });

    new CfnOutput(this, 'RestApiUrl', {
      description: 'Base URL of the chat REST API',
      value: this.restApi.api.url,
    });
    new CfnOutput(this, 'WebSocketUrl', {
      description: 'URL of the chat WebSocket (append ?token=<access token>)',
      value: this.socketApi.stage.url,
    });

    this.acknowledgeFindings(props);
  }

  /** Least privilege, function by function. */
  private grantAccess(props: ChatStackProps): void {
    const { config, database, tables } = props;
    const chatApi = this.chatApi.function;
    const socket = this.socketHandler.function;
    const worker = this.worker.function;

    for (const fn of [this.chatApi, this.socketHandler, this.worker]) {
      if (fn.securityGroup) database.allowConnectionsFrom(fn.securityGroup);
      database.secret.grantRead(fn.function);
    }

    const grantTables = (grantee: IGrantable, names: readonly TableName[]): void => {
      for (const name of names) this.grantTable(grantee, tables[name], name);
      if (props.dataKey) {
        this.grantKeyVia(grantee, props.dataKey, 'dynamodb', [
          'kms:Decrypt',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:DescribeKey',
        ]);
      }
    };
    grantTables(chatApi, ['sessions', 'mcp-tools']);
    grantTables(socket, ['sessions', 'connections']);
    grantTables(worker, ['sessions', 'connections', 'mcp-tools']);

    // chat-api presigns uploads, downloads and deletes of documents, and downloads of artifacts;
    // presigned URLs act with the signer's permissions.
    this.grantObjects(chatApi, this.documentsBucketArn, DOCUMENTS_PREFIX, [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
    ]);
    this.grantObjects(chatApi, this.artifactsBucketArn, ARTIFACTS_PREFIX, ['s3:GetObject']);
    // The worker stores what tools and code runs produce.
    this.grantObjects(worker, this.artifactsBucketArn, ARTIFACTS_PREFIX, [
      's3:GetObject',
      's3:PutObject',
    ]);
    if (props.dataKey) {
      for (const grantee of [chatApi, worker]) {
        this.grantKeyVia(grantee, props.dataKey, 's3', ['kms:Decrypt', 'kms:GenerateDataKey']);
      }
    }

    // The catalog maps each configured model to what Bedrock invokes (a model or profile id).
    const chatModels = bedrockModelAccess(
      this,
      config.chatModelIds.map((id) => getModel(id).bedrockModelId),
      BEDROCK_INVOKE_ACTIONS,
    );
    const embeddings = bedrockModelAccess(this, [TITAN_EMBED_MODEL_ID], ['bedrock:InvokeModel']);
    for (const fn of [chatApi, worker]) {
      for (const statement of [...chatModels.statements, ...embeddings.statements]) {
        fn.addToRolePolicy(statement);
      }
    }
    this.modelWildcards = [...chatModels.regionWildcardArns, ...embeddings.regionWildcardArns];

    this.turnQueue.queue.grantSendMessages(socket);
    this.socketApi.stage.grantManagementApiAccess(socket);
    this.socketApi.stage.grantManagementApiAccess(worker);
  }

  /** `actions` on the objects under `prefix`, and listing under it (a missing key is a 404). */
  private grantObjects(
    grantee: IGrantable,
    bucketArn: string,
    prefix: string,
    actions: readonly string[],
  ): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources: [`${bucketArn}/${prefix}*`] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      }),
    );
  }

  /**
   * Item access to one table and its indexes, each named (their names come from the table's
   * definition), so no `index/*` wildcard is needed.
   */
  private grantTable(grantee: IGrantable, table: ITable, name: TableName): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...TABLE_DATA_ACTIONS],
        resources: [
          table.tableArn,
          ...TABLES[name].globalSecondaryIndexes.map(
            (index) => `${table.tableArn}/index/${index.indexName}`,
          ),
        ],
      }),
    );
  }

  /** The data stack's customer managed key, only through `service` (S3 or DynamoDB). */
  private grantKeyVia(
    grantee: IGrantable,
    key: IKey,
    service: 's3' | 'dynamodb',
    actions: readonly string[],
  ): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...actions],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `${service}.${this.region}.amazonaws.com` },
        },
      }),
    );
  }

  /** The cdk-nag findings this stack accepts, each with its reason. */
  private acknowledgeFindings(props: ChatStackProps): void {
    const { config } = props;

    for (const fn of [this.chatApi, this.socketHandler, this.authorizer, this.worker]) {
      Validations.of(fn.role).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
          reason:
            'Only actions without resource-level permissions get "*": X-Ray PutTraceSegments / ' +
            'PutTelemetryRecords for active tracing and, for the functions in the VPC, the EC2 ' +
            'network interface actions Lambda performs with their role.',
        },
        {
          id: iam5FindingId(this, `${fn.logGroup.logGroupArn}:log-stream:*`),
          reason:
            "Log streams of the function's own log group: Lambda names a stream per execution " +
            'environment at run time, so they cannot be listed in advance.',
        },
      );
    }

    const objects = (bucketArn: string, prefix: string, what: string) => ({
      id: iam5FindingId(this, `${bucketArn}/${prefix}*`),
      reason:
        `Objects under ${prefix} of the ${what} bucket only: every user's file has its own key ` +
        '(owner and object id), created after deployment, so keys cannot be listed in advance.',
    });
    Validations.of(this.chatApi.role).acknowledge(
      objects(this.documentsBucketArn, DOCUMENTS_PREFIX, 'documents'),
      objects(this.artifactsBucketArn, ARTIFACTS_PREFIX, 'artifacts'),
    );
    Validations.of(this.worker.role).acknowledge(
      objects(this.artifactsBucketArn, ARTIFACTS_PREFIX, 'artifacts'),
    );

    for (const role of [this.chatApi.role, this.worker.role]) {
      Validations.of(role).acknowledge(
        ...this.modelWildcards.map((arn) => ({
          id: iam5FindingId(this, arn),
          reason:
            'One configured model in the regions its cross-region inference profile routes to: ' +
            'AWS chooses and extends those regions, and a bedrock:InferenceProfileArn condition ' +
            'admits the grant only for requests made through the configured profiles.',
        })),
      );
    }

    const connections = iam5FindingId(
      this,
      this.formatArn({
        service: 'execute-api',
        resource: this.socketApi.api.apiId,
        resourceName: `${API_STAGE_NAME}/*/@connections/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    for (const role of [this.socketHandler.role, this.worker.role]) {
      Validations.of(role).acknowledge({
        id: connections,
        reason:
          'ManageConnections on the connections of this WebSocket API and stage only: API ' +
          'Gateway assigns a connection id when a client connects, so ids cannot be listed.',
      });
    }

    Validations.of(this.loggingRole.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "AWS's own policy for the account-wide role API Gateway writes access and execution " +
        'logs with: API Gateway creates and names the execution log groups itself, and AWS ' +
        'keeps the policy current.',
    });

    for (const method of this.restApi.publicMethods) {
      Validations.of(method).acknowledge(
        {
          id: 'AwsSolutions::AwsSolutions-APIG4',
          reason:
            'Public by design: the health check (for monitors and load tests) and the OpenAPI ' +
            'documentation carry no user data; every other route needs a Cognito token.',
        },
        {
          id: 'AwsSolutions::AwsSolutions-COG4',
          reason:
            'Public by design: the health check and the OpenAPI documentation are read without ' +
            'signing in; every other method uses the Cognito user pool authorizer.',
        },
      );
    }
    for (const route of this.socketApi.messageRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'API Gateway authorises a WebSocket once, on $connect (with the Lambda authorizer); ' +
          'messages and the disconnect travel on that authenticated connection, and routes ' +
          'other than $connect cannot have an authorizer.',
      });
    }
    if (!this.firewall) {
      Validations.of(this.restApi.api.deploymentStage).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG3',
        reason:
          `Stage ${config.stage} runs without AWS WAF to save its monthly cost (set wafEnabled ` +
          'to add it); the API still has throttling, Cognito authorization and request limits.',
      });
    }
  }
}
