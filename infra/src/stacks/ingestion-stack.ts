import {
  ArnFormat,
  Aws,
  type CfnElement,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';

import { AlarmTopic } from '../constructs/alarm-topic';
import { type AuroraDatabase, DATABASE_PORT } from '../constructs/aurora-database';
import { DocIngestorFunction } from '../constructs/doc-ingestor-function';
import { IngestionAlarms } from '../constructs/ingestion-alarms';
import { WorkQueue } from '../constructs/work-queue';
import type { StageConfig } from '../stage-config';

/** Uploads live under this prefix of the documents bucket; only its events reach the ingestor. */
export const DOCUMENTS_PREFIX = 'documents/';

/** The embedding model doc-ingestor calls (Bedrock Titan Text Embeddings v2). */
export const TITAN_EMBED_MODEL_ID = 'amazon.titan-embed-text-v2:0';

/** Vector size of Titan v2 embeddings (it offers 256, 512 or 1024) and of the chunks table. */
export const TITAN_DIMENSIONS = 1024;

// A batch of documents must finish inside one invocation: doc-ingestor ends each document after
// INGESTION_TIME_LIMIT_SECONDS (as failed), so batch size × that limit stays below the timeout,
// with a minute left for a cold start and the database connection.
const INGESTOR_TIMEOUT = Duration.minutes(15);
const BATCH_SIZE = 3;
const DOCUMENT_TIME_LIMIT_SECONDS = Math.floor((INGESTOR_TIMEOUT.toSeconds() - 60) / BATCH_SIZE);
/** Concurrent invocations: each holds database connections and calls Bedrock. */
const INGESTOR_CONCURRENCY = 5;

/** Properties of {@link IngestionStack}. */
export interface IngestionStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: IVpc;
  /** The network stack's application tier. */
  readonly applicationSubnets: SubnetSelection;
  /** The data stack's export of the documents bucket's name ({@link DataStack.documentsBucketNameExport}). */
  readonly documentsBucketNameExport: string;
  /** The key of the documents bucket, when it is customer managed. */
  readonly documentsKey?: IKey;
  readonly database: AuroraDatabase;
  /** The name of the database inside the cluster. */
  readonly databaseName: string;
}

/**
 * Document ingestion on AWS (ARCHITECTURE §1): S3 `ObjectCreated`/`ObjectRemoved` under
 * `documents/` → SQS (with a dead-letter queue) → doc-ingestor, which parses, chunks, embeds with
 * Titan and indexes into Aurora; alarms go to an SNS topic.
 *
 * The bucket notification is declared here, on an imported reference to the data stack's bucket:
 * CDK then merges it into the bucket's configuration with a custom resource in this stack, so the
 * data stack never references the queue and the dependency runs one way (data → ingestion).
 */
export class IngestionStack extends Stack {
  readonly ingestor: DocIngestorFunction;
  readonly queue: WorkQueue;
  readonly alarms: IngestionAlarms;
  readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: IngestionStackProps) {
    super(scope, id, props);
    const { config, database } = props;
    const removalPolicy =
      config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.queue = new WorkQueue(this, 'Events', {
      // SQS's advice for Lambda consumers: six times the function timeout.
      visibilityTimeout: Duration.seconds(INGESTOR_TIMEOUT.toSeconds() * 6),
      maxReceiveCount: 5,
      retentionPeriod: Duration.days(4),
      removalPolicy,
    });

    const bucketName = Fn.importValue(props.documentsBucketNameExport);
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;
    const documents = Bucket.fromBucketAttributes(this, 'DocumentsBucket', {
      bucketArn,
      bucketName,
    });
    const destination = new SqsDestination(this.queue.queue);
    for (const event of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      documents.addEventNotification(event, destination, { prefix: DOCUMENTS_PREFIX });
    }

    this.ingestor = new DocIngestorFunction(this, 'DocIngestor', {
      vpc: props.vpc,
      subnets: props.applicationSubnets,
      timeout: INGESTOR_TIMEOUT,
      memorySize: 1536,
      reservedConcurrency: INGESTOR_CONCURRENCY,
      logRetention: config.logRetentionDays as RetentionDays,
      removalPolicy,
      environment: {
        // No DATABASE_URL here: its password would sit in plain text in the function's
        // configuration and go stale at the first rotation. doc-ingestor builds it at cold start
        // from these pieces and the secret's `username` and `password` (RDS's generated JSON),
        // with TLS verified against the runtime's CA bundle (NODE_EXTRA_CA_CERTS below).
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
        DATABASE_SECRET_ARN: database.secret.secretArn,
        DATABASE_HOST: database.cluster.clusterEndpoint.hostname,
        DATABASE_PORT: String(DATABASE_PORT),
        DATABASE_NAME: props.databaseName,
        DOCUMENTS_BUCKET: bucketName,
        INGESTION_TIME_LIMIT_SECONDS: String(DOCUMENT_TIME_LIMIT_SECONDS),
        EMBEDDINGS_PROVIDER: 'bedrock-titan',
        BEDROCK_REGION: this.region,
        TITAN_DIMENSIONS: String(TITAN_DIMENSIONS),
        EMBEDDING_DIMENSIONS: String(TITAN_DIMENSIONS),
        LOG_LEVEL: config.isProduction ? 'info' : 'debug',
        SERVICE_VERSION: config.serviceVersion,
        POWERTOOLS_SERVICE_NAME: 'doc-ingestor',
        POWERTOOLS_METRICS_NAMESPACE: 'LGM',
      },
    });
    const fn = this.ingestor.function;
    database.allowConnectionsFrom(this.ingestor.securityGroup);

    // Read the uploads, nothing else of the bucket. ListBucket (limited to the prefix) makes a
    // missing key a 404 instead of a 403.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [`${bucketArn}/${DOCUMENTS_PREFIX}*`],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: {
          StringLike: { 's3:prefix': [DOCUMENTS_PREFIX, `${DOCUMENTS_PREFIX}*`] },
        },
      }),
    );
    if (props.documentsKey) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.documentsKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } },
        }),
      );
    }
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [
          this.formatArn({
            service: 'bedrock',
            account: '',
            resource: 'foundation-model',
            resourceName: TITAN_EMBED_MODEL_ID,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    database.secret.grantRead(fn);

    fn.addEventSource(
      new SqsEventSource(this.queue.queue, {
        batchSize: BATCH_SIZE,
        reportBatchItemFailures: true,
        // Never more pollers than reserved instances, so SQS batches are not throttled.
        maxConcurrency: INGESTOR_CONCURRENCY,
      }),
    );

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      description: `LGM ${config.stage}: ingestion alarms`,
      email: config.alarmEmail,
      removalPolicy,
    });
    this.alarms = new IngestionAlarms(this, 'Alarms', {
      queue: this.queue.queue,
      deadLetterQueue: this.queue.deadLetterQueue,
      function: fn,
      maxMessageAge: Duration.minutes(30),
      action: new SnsAction(this.alarmTopic.topic),
    });

    this.acknowledgeFindings(props.documentsBucketNameExport);
  }

  /** The cdk-nag findings this stack accepts, each with its reason. */
  private acknowledgeFindings(documentsBucketNameExport: string): void {
    const role = this.ingestor.role;
    const logGroupId = this.getLogicalId(this.ingestor.logGroup.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only actions without resource-level permissions get "*": the EC2 network interface ' +
          'actions Lambda performs with the role of a VPC function, and X-Ray PutTraceSegments / ' +
          'PutTelemetryRecords for active tracing.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:log-stream:*]`,
        reason:
          "Log streams of the function's own log group: Lambda names a stream per execution " +
          'environment at run time, so they cannot be listed in advance.',
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${documentsBucketNameExport}/${DOCUMENTS_PREFIX}*]`,
        reason:
          'GetObject and GetObjectVersion on the uploads under documents/ of the documents ' +
          'bucket only: every user upload has its own key, created after deployment.',
      },
    );

    // CDK's handler for bucket notifications, shared by the stack.
    const notificationsHandler = this.node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's own bucket-notifications handler (a deploy-time custom resource that runs a few " +
          'seconds per deployment) ships with the basic execution role; it only writes its logs.',
      });
    }
  }
}
