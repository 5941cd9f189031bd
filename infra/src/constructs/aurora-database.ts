import { type CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  type ISecurityGroup,
  type IVpc,
  Port,
  SecurityGroup,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The PostgreSQL port; the local stack and every client use it. */
export const DATABASE_PORT = 5432;

/** Properties of {@link AuroraDatabase}. */
export interface AuroraDatabaseProps {
  readonly vpc: IVpc;
  /** Where the cluster and the rotation function run: subnets with no route to the internet. */
  readonly subnets: SubnetSelection;
  /** Cluster identifier, lowercase; also names the PostgreSQL log group. */
  readonly clusterIdentifier: string;
  /** Database created with the cluster. */
  readonly databaseName: string;
  /** Storage encryption; the AWS managed RDS key when absent. */
  readonly encryptionKey?: IKey;
  /** Security groups whose members may connect on {@link DATABASE_PORT}; nothing else may. */
  readonly allowFrom?: readonly ISecurityGroup[];
  /** Upper bound of the Serverless v2 writer, in ACUs (the lower bound is 0: it pauses when idle). */
  readonly maxCapacity: number;
  /** Days of automated backups (1 is the least RDS allows). */
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /** DESTROY, or RETAIN (the cluster then takes a final snapshot). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Aurora Serverless v2 PostgreSQL 16 (pgvector is one `CREATE EXTENSION vector` away): a single
 * writer that scales down to 0 ACUs and pauses when idle, encrypted, with IAM authentication, its
 * master credentials in Secrets Manager rotated every 30 days, and the PostgreSQL log exported to
 * a log group with a retention.
 */
export class AuroraDatabase extends Construct {
  readonly cluster: DatabaseCluster;
  /** JSON with `username`, `password`, `host`, `port`, `dbname` and `engine`. */
  readonly secret: ISecret;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: AuroraDatabaseProps) {
    super(scope, id);

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Aurora ${props.clusterIdentifier}: PostgreSQL from its clients only`,
      allowAllOutbound: false,
    });
    for (const client of props.allowFrom ?? []) this.allowConnectionsFrom(client);

    // Created before the cluster so it owns the group RDS exports to, retention included (the
    // cluster's own `cloudwatchLogsRetention` would add a custom resource Lambda for that).
    const postgresLog = new LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    this.cluster = new DatabaseCluster(this, 'Cluster', {
      engine: DatabaseClusterEngine.auroraPostgres({
        // 16.3+ is needed for 0 ACUs (auto-pause); pgvector 0.8 ships with 16.x.
        version: AuroraPostgresEngineVersion.VER_16_6,
      }),
      clusterIdentifier: props.clusterIdentifier,
      defaultDatabaseName: props.databaseName,
      credentials: Credentials.fromGeneratedSecret('lgm_admin'),
      writer: ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: false }),
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: props.maxCapacity,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      port: DATABASE_PORT,
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      iamAuthentication: true,
      cloudwatchLogsExports: ['postgresql'],
      backup: { retention: Duration.days(props.backupRetentionDays) },
      deletionProtection: props.deletionProtection,
      copyTagsToSnapshot: true,
      removalPolicy: retain ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    (this.cluster.node.defaultChild as CfnResource).addResourceDependency(
      postgresLog.node.defaultChild as CfnResource,
    );

    if (!this.cluster.secret) throw new Error('the cluster was created without a secret');
    this.secret = this.cluster.secret;
    // The rotation function runs in the same subnets and is let into the security group.
    this.cluster.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });
  }

  /**
   * Lets members of `client` connect. When the client belongs to a later stack, the rule is
   * created in that stack (a "remote" rule), so this stack never depends on its clients.
   */
  allowConnectionsFrom(client: ISecurityGroup): void {
    this.securityGroup.addIngressRule(client, Port.tcp(DATABASE_PORT), 'PostgreSQL', true);
  }
}
