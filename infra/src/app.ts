import { App, type AppProps, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { FEATURE_FLAGS } from './feature-flags';
import { type ChatEntries, ChatStack } from './stacks/chat-stack';
import { DataStack } from './stacks/data-stack';
import { DATABASE_NAME, DatabaseStack } from './stacks/database-stack';
import { IdentityStack } from './stacks/identity-stack';
import { IngestionStack } from './stacks/ingestion-stack';
import { NetworkStack } from './stacks/network-stack';
import { webSiteDirectory, WebStack } from './stacks/web-stack';
import type { StageConfig } from './stage-config';
import { workspaceRoot } from './workspace';

/** The stacks of one stage, for tests and for stacks added later. */
export interface LgmApp {
  readonly app: App;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly database: DatabaseStack;
  readonly ingestion: IngestionStack;
  readonly identity: IdentityStack;
  readonly chat: ChatStack;
  readonly web: WebStack;
}

/** Choices of {@link buildApp} that are not stage parameters. */
export interface BuildOptions {
  /** Other Lambda entries of the chat services (tests); the apps' own by default. */
  readonly chatEntries?: Partial<ChatEntries>;
  /**
   * The built web app to deploy; `dist/apps/web` when it has been built (`nx run web:build`),
   * a placeholder page that says so otherwise.
   */
  readonly webSiteDirectory?: string;
}

/**
 * An App with LGM's frozen feature flags and no version reporting. Context from the CLI or
 * cdk.json still takes precedence over these defaults.
 */
export function createApp(props: AppProps = {}): App {
  return new App({
    analyticsReporting: false,
    ...props,
    context: { ...FEATURE_FLAGS, ...props.context },
  });
}

/**
 * Adds every stack of a stage to the app and registers the compliance checks that run when it is
 * synthesised (see {@link addComplianceChecks}).
 *
 * @example
 * const { app } = buildApp(parseStageConfig({ stage: 'dev' }));
 * app.synth();
 */
export function buildApp(
  config: StageConfig,
  app: App = createApp(),
  options: BuildOptions = {},
): LgmApp {
  // Without both, stacks stay environment-agnostic and deploy to the CLI's account and region.
  const env: Environment | undefined =
    config.account !== undefined && config.region !== undefined
      ? { account: config.account, region: config.region }
      : undefined;
  const common = { env, config, terminationProtection: config.isProduction };
  const prefix = `Lgm-${config.stage}`;

  const network = new NetworkStack(app, `${prefix}-Network`, {
    ...common,
    description: `LGM ${config.stage}: VPC, subnets, flow logs and VPC endpoints`,
  });
  const data = new DataStack(app, `${prefix}-Data`, {
    ...common,
    description: `LGM ${config.stage}: DynamoDB tables and S3 buckets`,
  });
  const database = new DatabaseStack(app, `${prefix}-Database`, {
    ...common,
    description: `LGM ${config.stage}: Aurora Serverless v2 PostgreSQL (pgvector)`,
    vpc: network.vpc,
    dataSubnets: network.dataSubnets,
    encryptionKey: data.encryptionKey,
  });
  const ingestion = new IngestionStack(app, `${prefix}-Ingestion`, {
    ...common,
    description: `LGM ${config.stage}: document events, queue and doc-ingestor`,
    vpc: network.vpc,
    applicationSubnets: network.applicationSubnets,
    documentsBucketNameExport: data.documentsBucketNameExport,
    documentsKey: data.encryptionKey,
    database: database.database,
    databaseName: DATABASE_NAME,
  });
  // The bucket comes by its export name (see DataStack.documentsBucketNameExport), which
  // CloudFormation does not order by itself.
  ingestion.addStackDependency(data);

  const identity = new IdentityStack(app, `${prefix}-Identity`, {
    ...common,
    description: `LGM ${config.stage}: Cognito user pool, web app client and hosted sign-in`,
  });
  const chat = new ChatStack(app, `${prefix}-Chat`, {
    ...common,
    description: `LGM ${config.stage}: chat REST and WebSocket APIs, turn queue and workers`,
    vpc: network.vpc,
    applicationSubnets: network.applicationSubnets,
    tables: data.tables,
    documentsBucketNameExport: data.documentsBucketNameExport,
    artifactsBucketNameExport: data.artifactsBucketNameExport,
    dataKey: data.encryptionKey,
    database: database.database,
    databaseName: DATABASE_NAME,
    userPool: identity.userPool,
    webClient: identity.webClient,
    issuerUrl: identity.issuerUrl,
    entries: options.chatEntries,
  });
  // Stated, not left to references: the bucket names come by export name, which CloudFormation
  // does not order by itself, and the order must hold even if a reference moves.
  for (const stack of [network, data, database, identity]) chat.addStackDependency(stack);

  const web = new WebStack(app, `${prefix}-Web`, {
    ...common,
    description: `LGM ${config.stage}: web app on S3 and CloudFront, with its config.json`,
    siteDirectory: options.webSiteDirectory ?? webSiteDirectory(workspaceRoot()),
    restApi: chat.restApi.api,
    socketStage: chat.socketApi.stage,
    issuerUrl: identity.issuerUrl,
    hostedDomainUrl: identity.domainUrl,
    webClient: identity.webClient,
    documentsBucketNameExport: data.documentsBucketNameExport,
    artifactsBucketNameExport: data.artifactsBucketNameExport,
  });
  // The buckets come by export name, which CloudFormation does not order by itself.
  for (const stack of [data, identity, chat]) web.addStackDependency(stack);

  Tags.of(app).add('project', 'lgm');
  Tags.of(app).add('stage', config.stage);
  addComplianceChecks(app);

  return { app, network, data, database, ingestion, identity, chat, web };
}

/**
 * Registers cdk-nag's AWS Solutions rules on the whole app. They run at synth: an error-level
 * finding fails it, and every finding (warnings too) lands in the assembly's validation report,
 * unless acknowledged on its construct with `Validations.of(construct).acknowledge({ id, reason })`
 * where id is namespaced like the report suggests (`AwsSolutions::AwsSolutions-S1`), so the
 * acknowledgement and its reason stay visible in the report.
 */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
