import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import { AuroraDatabase } from '../constructs/aurora-database';
import type { StageConfig } from '../stage-config';

/** Properties of {@link DatabaseStack}. */
export interface DatabaseStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  /** The isolated data tier of the network stack. */
  readonly dataSubnets: SubnetSelection;
  /** The stage's customer managed key, when it has one. */
  readonly encryptionKey?: IKey;
  /**
   * Clients that exist before this stack. Later stacks call
   * {@link DatabaseStack.allowConnectionsFrom}, which keeps the rule in their own stack.
   */
  readonly allowFrom?: readonly ISecurityGroup[];
}

/** Name of the application database inside the cluster. */
export const DATABASE_NAME = 'lgm';

/**
 * The knowledge base and metadata store: Aurora Serverless v2 PostgreSQL with pgvector
 * (ARCHITECTURE: documents, chunks, artifacts, usage).
 */
export class DatabaseStack extends Stack {
  readonly database: AuroraDatabase;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.database = new AuroraDatabase(this, 'Database', {
      vpc: props.vpc,
      subnets: props.dataSubnets,
      clusterIdentifier: `lgm-${config.stage}`,
      databaseName: DATABASE_NAME,
      encryptionKey: props.encryptionKey,
      allowFrom: props.allowFrom,
      maxCapacity: config.isProduction ? 16 : 4,
      backupRetentionDays: config.isProduction ? 14 : 1,
      deletionProtection: config.deletionProtection,
      logRetention: config.logRetentionDays as RetentionDays,
      removalPolicy:
        config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    if (!config.deletionProtection) {
      Validations.of(this.database.cluster).acknowledge({
        id: 'AwsSolutions::AwsSolutions-RDS10',
        reason:
          `Stage ${config.stage} is disposable: its stack must delete cleanly, so deletion ` +
          'protection is left to prod, where the stage config turns it on.',
      });
    }
  }

  /** Lets members of `client` connect to PostgreSQL. */
  allowConnectionsFrom(client: ISecurityGroup): void {
    this.database.allowConnectionsFrom(client);
  }
}
