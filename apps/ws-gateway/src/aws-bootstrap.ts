import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createVerifierFromConfig, type TokenVerifier } from '@lgm/auth';
import { type ChatRuntime, type ChatRuntimeOverrides, createChatRuntime } from '@lgm/chat';
import type { Logger } from '@lgm/core';
import { withDatabaseUrl } from '@lgm/persistence';
import { createServiceContext, type ServiceContext } from '@lgm/server-kit';

import { createApiGatewayTransport } from './api-gateway-transport';
import type { LambdaConfig, WorkerConfig } from './config';
import { createQueuedTurns } from './queued-turns';
import { createSender, EventDelivery, type Sender } from './sender';
import { createSocketRoutes, type SocketRoutes } from './socket-routes';
import type { TurnJob } from './turn-queue';
import { createSqsTurnQueue } from './turn-queue';
import { DynamoDbTurnSubscriptions } from './turn-subscriptions';
import { runTurnJob, type TurnJobResult } from './turn-worker';

/** Replacements for what the AWS composition builds (tests). */
export interface AwsBootstrapOverrides {
  readonly runtime?: ChatRuntimeOverrides;
  readonly verifier?: TokenVerifier;
}

/** The socket routes as the API Gateway Lambda runs them. */
export interface SocketLambdaDeps {
  readonly context: ServiceContext;
  readonly routes: SocketRoutes;
  readonly delivery: EventDelivery;
}

/** The turn worker as the SQS Lambda runs it. */
export interface WorkerLambdaDeps {
  readonly context: ServiceContext;
  run(job: TurnJob): Promise<TurnJobResult>;
}

/** The SDK's logger interface over ours (the SQS client warns through it). */
function sdkLogger(logger: Logger) {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...content: unknown[]) => logger.warn({ sdk: content.map(String) }, 'AWS SDK warning'),
    error: (...content: unknown[]) => logger.error({ sdk: content.map(String) }, 'AWS SDK error'),
  };
}

/** On AWS the database URL is built from the RDS secret at cold start. */
async function runtimeFor(
  config: LambdaConfig | WorkerConfig,
  context: ServiceContext,
  overrides: ChatRuntimeOverrides | undefined,
): Promise<ChatRuntime> {
  const secrets = new SecretsManagerClient({ region: config.AWS_REGION });
  const resolved = await withDatabaseUrl(
    config,
    async (secretArn) =>
      (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '',
  );
  secrets.destroy();
  return createChatRuntime(resolved, context, overrides);
}

function managementSender(config: LambdaConfig | WorkerConfig): Sender {
  const client = new ApiGatewayManagementApiClient({
    region: config.AWS_REGION,
    endpoint: config.WS_CALLBACK_URL,
  });
  return createSender(createApiGatewayTransport(client));
}

/** The socket Lambda's composition root: routes that queue turns and post frames. */
export async function bootstrapSocketLambda(
  config: LambdaConfig,
  overrides: AwsBootstrapOverrides = {},
): Promise<SocketLambdaDeps> {
  const context = createServiceContext('ws-gateway', config);
  const runtime = await runtimeFor(config, context, overrides.runtime);
  const delivery = new EventDelivery({
    sender: managementSender(config),
    logger: context.logger,
    onGone: (connectionId) => {
      void runtime.connections.delete(connectionId).catch(() => undefined);
    },
  });
  const turns = createQueuedTurns({
    engine: runtime.engine,
    queue: createSqsTurnQueue(
      new SQSClient({ region: config.AWS_REGION, logger: sdkLogger(context.logger) }),
      config.TURN_QUEUE_URL,
    ),
    subscriptions: new DynamoDbTurnSubscriptions({
      documents: runtime.dynamoDb.documents,
      tableName: config.CONNECTIONS_TABLE,
      clock: context.clock,
    }),
    delivery,
    nextId: context.nextId,
    logger: context.logger,
  });
  const routes = createSocketRoutes({
    verifier: overrides.verifier ?? createVerifierFromConfig(config, { clock: context.clock }),
    connections: runtime.connections,
    delivery,
    turns,
    health: context.health,
    logger: context.logger,
  });
  return { context, routes, delivery };
}

/** The worker Lambda's composition root: runs queued turns, posts their frames. */
export async function bootstrapWorkerLambda(
  config: WorkerConfig,
  overrides: AwsBootstrapOverrides = {},
): Promise<WorkerLambdaDeps> {
  const context = createServiceContext('ws-gateway', config);
  const runtime = await runtimeFor(config, context, overrides.runtime);
  const sender = managementSender(config);
  const subscriptions = new DynamoDbTurnSubscriptions({
    documents: runtime.dynamoDb.documents,
    tableName: config.CONNECTIONS_TABLE,
    clock: context.clock,
  });
  return {
    context,
    run: (job) =>
      runTurnJob(
        {
          engine: runtime.engine,
          sender,
          subscriptions,
          connections: runtime.connections,
          logger: context.logger,
          clock: context.clock,
        },
        job,
      ),
  };
}
