import { TABLE_NAMES, type TableName, TABLES } from '@lgm/persistence';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { HttpMethods, type IBucket, StorageClass } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

import { AccessLogsBucket } from '../constructs/access-logs-bucket';
import { DataTable } from '../constructs/data-table';
import { SecureBucket } from '../constructs/secure-bucket';
import type { StageConfig } from '../stage-config';

/** Properties of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * State that outlives any deployment of the services: the DynamoDB tables of `@lgm/persistence`
 * and the S3 buckets for documents, artifacts and their access logs.
 */
export class DataStack extends Stack {
  /** DynamoDB tables by logical name; services get the physical names through their environment. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** Uploaded documents under `documents/<userId>/<documentId>/`, written by presigned PUTs. */
  readonly documentsBucket: IBucket;
  /**
   * CloudFormation export holding the documents bucket's name. Stacks that scope IAM to a prefix
   * of the bucket import it by this literal name, so the policy (and its cdk-nag finding id)
   * reads `arn:…:s3:::<export>/documents/*` in every environment.
   */
  readonly documentsBucketNameExport: string;
  /** Files produced by code runs and tools, under `artifacts/<userId>/<artifactId>/`. */
  readonly artifactsBucket: IBucket;
  /** CloudFormation export holding the artifacts bucket's name (see documentsBucketNameExport). */
  readonly artifactsBucketNameExport: string;
  readonly accessLogsBucket: IBucket;
  /** The customer managed key of tables and buckets, when the stage asks for one. */
  readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy =
      config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey =
      config.encryption === 'customer-managed'
        ? new Key(this, 'DataKey', {
            description: `LGM ${config.stage}: DynamoDB tables and S3 buckets`,
            enableKeyRotation: true,
            removalPolicy,
          })
        : undefined;

    const tables: Partial<Record<TableName, ITable>> = {};
    for (const name of TABLE_NAMES) {
      tables[name] = new DataTable(this, `${pascalCase(name)}Table`, {
        definition: TABLES[name],
        encryptionKey: this.encryptionKey,
        removalPolicy,
        deletionProtection: config.deletionProtection,
      }).table;
    }
    this.tables = tables as Record<TableName, ITable>;

    const accessLogs = new AccessLogsBucket(this, 'AccessLogs', {
      expireAfterDays: config.isProduction ? 365 : 90,
      removalPolicy,
    }).bucket;

    const documents = new SecureBucket(this, 'Documents', {
      accessLogsBucket: accessLogs,
      accessLogsPrefix: 'documents/',
      encryptionKey: this.encryptionKey,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      // The browser PUTs uploads straight to S3 with a presigned URL from chat-api, and may read
      // them back the same way; only the web app's own origins may do so.
      cors: [
        {
          allowedOrigins: [...config.webOrigins],
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
          allowedHeaders: ['content-type', 'content-md5', 'x-amz-*'],
          exposedHeaders: ['ETag', 'x-amz-version-id'],
          maxAge: 3000,
        },
      ],
      removalPolicy,
    }).bucket;
    // ObjectCreated/ObjectRemoved under documents/ reach doc-ingestor through SQS with a DLQ
    // (ARCHITECTURE §1): the ingestion stack adds the notification next to its queue, so this
    // stack never depends on the services.

    const artifacts = new SecureBucket(this, 'Artifacts', {
      accessLogsBucket: accessLogs,
      accessLogsPrefix: 'artifacts/',
      encryptionKey: this.encryptionKey,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      lifecycleRules: [
        {
          id: 'age-artifacts',
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(config.artifactsInfrequentAccessAfterDays),
            },
          ],
          expiration: Duration.days(config.artifactsExpireAfterDays),
        },
      ],
      removalPolicy,
    }).bucket;

    this.documentsBucket = documents;
    this.documentsBucketNameExport = `${this.stackName}-DocumentsBucketName`;
    new CfnOutput(this, 'DocumentsBucketName', {
      description: 'Name of the documents bucket',
      value: documents.bucketName,
      exportName: this.documentsBucketNameExport,
    });
    this.artifactsBucket = artifacts;
    this.artifactsBucketNameExport = `${this.stackName}-ArtifactsBucketName`;
    new CfnOutput(this, 'ArtifactsBucketName', {
      description: 'Name of the artifacts bucket',
      value: artifacts.bucketName,
      exportName: this.artifactsBucketNameExport,
    });
    this.accessLogsBucket = accessLogs;
  }
}

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
