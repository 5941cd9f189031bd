import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { buildApp, createApp, type LgmApp } from '../app';
import { parseStageConfig } from '../stage-config';
import { TITAN_EMBED_MODEL_ID } from './ingestion-stack';

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** `Fn::Join` of literals and references as one string, references as `<Ref>` or `<Id.Attr>`. */
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

function only(resources: Record<string, unknown>): [string, Resource] {
  const entries = Object.entries(resources) as [string, Resource][];
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Resource];
}

// One synth with real esbuild bundling of apps/doc-ingestor (a few seconds), shared by every test.
// A customer managed key and an alarm email turn on the optional parts.
describe('IngestionStack (customer managed key, alarm email)', () => {
  let lgm: LgmApp;
  let template: Template;
  let fn: Resource;
  let statements: Statement[];

  beforeAll(() => {
    lgm = buildApp(
      parseStageConfig({
        stage: 'dev',
        encryption: 'customer-managed',
        alarmEmail: 'ops@example.com',
      }),
      createApp({ builtinCloudFormationValidation: false }),
    );
    template = Template.fromStack(lgm.ingestion);
    [, fn] = only(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Runtime: Match.stringLikeRegexp('^nodejs') },
      }),
    );
    const roleId = lgm.ingestion.getLogicalId(
      lgm.ingestion.ingestor.role.node.defaultChild as CfnResource,
    );
    const role = template.findResources('AWS::IAM::Role')[roleId] as Resource;
    const inline = (
      role.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    const attached = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: roleId }] },
      }),
    ).flatMap(
      (policy) =>
        (policy as Resource & { Properties: { PolicyDocument: { Statement: Statement[] } } })
          .Properties.PolicyDocument.Statement,
    );
    statements = [...inline, ...attached];
  });

  function statementsWith(action: string): Statement[] {
    return statements.filter((statement) => asArray(statement.Action).includes(action));
  }

  it('runs doc-ingestor on Node 24, arm64, with tracing, bounded concurrency and its own logs', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1536,
      Timeout: 900,
      ReservedConcurrentExecutions: 5,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
    });
    const logGroupId = (fn.Properties['LoggingConfig'] as { LogGroup: { Ref: string } }).LogGroup
      .Ref;
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({
      Properties: { RetentionInDays: 30 },
    });
  });

  it('bundles the entry as one ES module with the require banner and a source map', () => {
    // The staged asset sits in the assembly as asset.<hash>, uploaded as <hash>.zip.
    const key = (fn.Properties['Code'] as { S3Key: string }).S3Key;
    const directory = join(lgm.app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const bundle = readFileSync(join(directory, 'index.mjs'), 'utf8');
    expect(bundle.startsWith('import { createRequire as __lgmCreateRequire }')).toBe(true);
    expect(bundle).toContain('sourceMappingURL=index.mjs.map');
    expect(readFileSync(join(directory, 'index.mjs.map'), 'utf8')).toContain('"mappings"');
    expect(
      (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables,
    ).toHaveProperty('NODE_OPTIONS', '--enable-source-maps');
  });

  it('runs in the application subnets with its own security group, admitted by the database', () => {
    const vpcConfig = fn.Properties['VpcConfig'] as {
      SubnetIds: unknown[];
      SecurityGroupIds: unknown[];
    };
    expect(vpcConfig.SubnetIds).toHaveLength(2);
    for (const subnet of vpcConfig.SubnetIds) {
      expect(JSON.stringify(subnet)).toMatch(/applicationSubnet/);
    }
    const [sgId] = only(template.findResources('AWS::EC2::SecurityGroup'));
    expect(vpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] },
      GroupId: Match.anyValue(),
    });
    expect(
      JSON.stringify(
        only(template.findResources('AWS::EC2::SecurityGroupIngress'))[1].Properties['GroupId'],
      ),
    ).toMatch(/Lgm-dev-Database/);
  });

  it('passes the configuration doc-ingestor reads, and no secret in plain text', () => {
    const variables = (fn.Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;
    expect(variables).toMatchObject({
      EMBEDDINGS_PROVIDER: 'bedrock-titan',
      BEDROCK_REGION: { Ref: 'AWS::Region' },
      // Three documents of at most 280 s each fit in the 900 s timeout.
      INGESTION_TIME_LIMIT_SECONDS: '280',
      TITAN_DIMENSIONS: '1024',
      EMBEDDING_DIMENSIONS: '1024',
      LOG_LEVEL: 'debug',
      SERVICE_VERSION: 'dev',
      POWERTOOLS_SERVICE_NAME: 'doc-ingestor',
      POWERTOOLS_METRICS_NAMESPACE: 'LGM',
      DATABASE_PORT: '5432',
      DATABASE_NAME: 'lgm',
      DOCUMENTS_BUCKET: { 'Fn::ImportValue': 'Lgm-dev-Data-DocumentsBucketName' },
    });
    expect(JSON.stringify(variables['DATABASE_SECRET_ARN'])).toMatch(/Lgm-dev-Database/);
    expect(JSON.stringify(variables['DATABASE_HOST'])).toMatch(/Endpoint/);
    // Lambda sets AWS_REGION itself (reserved), and a password never sits in the environment.
    expect(variables).not.toHaveProperty('AWS_REGION');
    expect(variables).not.toHaveProperty('DATABASE_URL');
    expect(JSON.stringify(variables)).not.toMatch(/resolve:secretsmanager/);
  });

  it('queues document events with SSE and TLS only, and dead-letters them after 5 receives', () => {
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
    expect(Object.keys(queues)).toHaveLength(2);
    const [queueId, queue] = Object.entries(queues).find(
      ([, resource]) => resource.Properties['RedrivePolicy'],
    ) as [string, Resource];
    const [dlqId, dlq] = Object.entries(queues).find(([id]) => id !== queueId) as [
      string,
      Resource,
    ];

    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(queue.Properties['VisibilityTimeout']).toBeGreaterThanOrEqual(
      6 * (fn.Properties['Timeout'] as number),
    );
    expect(dlq.Properties).toMatchObject({
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

    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('sends ObjectCreated and ObjectRemoved under documents/ of the documents bucket to the queue', () => {
    const [queueId] = only(
      template.findResources('AWS::SQS::Queue', {
        Properties: { RedrivePolicy: Match.anyValue() },
      }),
    );
    const [, notifications] = only(template.findResources('Custom::S3BucketNotifications'));
    const filter = { Key: { FilterRules: [{ Name: 'prefix', Value: 'documents/' }] } };
    expect(notifications.Properties).toMatchObject({
      BucketName: { 'Fn::ImportValue': 'Lgm-dev-Data-DocumentsBucketName' },
      // Merged into the bucket's configuration, leaving notifications of others alone.
      Managed: false,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: filter,
            QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          },
          {
            Events: ['s3:ObjectRemoved:*'],
            Filter: filter,
            QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          },
        ],
      },
    });
    // Only that bucket may send to the queue.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('reads only documents/ of the bucket, and lists only that prefix', () => {
    const reads = statementsWith('s3:GetObject');
    expect(reads).toHaveLength(1);
    expect(asArray(reads[0]?.Action).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(asArray(reads[0]?.Resource).map(flatten)).toEqual([
      'arn:<AWS::Partition>:s3:::<import Lgm-dev-Data-DocumentsBucketName>/documents/*',
    ]);

    const lists = statementsWith('s3:ListBucket');
    expect(lists).toHaveLength(1);
    expect(asArray(lists[0]?.Action)).toEqual(['s3:ListBucket']);
    expect(asArray(lists[0]?.Resource).map(flatten)).toEqual([
      'arn:<AWS::Partition>:s3:::<import Lgm-dev-Data-DocumentsBucketName>',
    ]);
    expect(lists[0]?.Condition).toEqual({
      StringLike: { 's3:prefix': ['documents/', 'documents/*'] },
    });

    const s3Actions = statements.flatMap((statement) =>
      asArray(statement.Action).filter((action) => action.startsWith('s3:')),
    );
    expect(new Set(s3Actions)).toEqual(
      new Set(['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']),
    );
  });

  it('decrypts with the bucket key only through S3, and invokes only Titan v2', () => {
    const decrypts = statementsWith('kms:Decrypt');
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
    expect(JSON.stringify(decrypts[0]?.Resource)).toMatch(/DataKey/);

    const invokes = statements.filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('bedrock:')),
    );
    expect(invokes).toHaveLength(1);
    expect(invokes[0]?.Action).toBe('bedrock:InvokeModel');
    expect(asArray(invokes[0]?.Resource).map(flatten)).toEqual([
      `arn:<AWS::Partition>:bedrock:<AWS::Region>::foundation-model/${TITAN_EMBED_MODEL_ID}`,
    ]);
  });

  it('reads the database secret and consumes the queue', () => {
    const secretReads = statementsWith('secretsmanager:GetSecretValue');
    expect(secretReads).toHaveLength(1);
    expect(JSON.stringify(secretReads[0]?.Resource)).toMatch(/Lgm-dev-Database/);
    expect(asArray(statementsWith('sqs:ReceiveMessage')[0]?.Action).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
  });

  it('uses no wildcard action and "*" resources only where AWS offers no scoping', () => {
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asArray(statement.Action)) expect(action).not.toContain('*');
    }
    const unscoped = statements
      .filter((statement) => asArray(statement.Resource).includes('*'))
      .flatMap((statement) => asArray(statement.Action));
    for (const action of unscoped) expect(action).toMatch(/^(ec2|xray):/);
    // No managed policies: AWSLambdaBasicExecutionRole would allow logs in every group.
    const roleId = lgm.ingestion.getLogicalId(
      lgm.ingestion.ingestor.role.node.defaultChild as CfnResource,
    );
    expect(
      (template.findResources('AWS::IAM::Role')[roleId] as Resource).Properties[
        'ManagedPolicyArns'
      ],
    ).toBeUndefined();
  });

  it('alarms on dead letters, old messages, errors and throttles through an encrypted topic', () => {
    const [topicId, topic] = only(template.findResources('AWS::SNS::Topic'));
    expect(topic.Properties['KmsMasterKeyId']).toEqual({
      'Fn::GetAtt': [expect.any(String), 'Arn'],
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topicId },
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    // CloudWatch may use the topic's key to publish.
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    expect(
      alarms
        .map(
          (alarm) =>
            `${String(alarm.Properties['Namespace'])}/${String(alarm.Properties['MetricName'])}`,
        )
        .sort(),
    ).toEqual([
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
      'AWS/SQS/ApproximateAgeOfOldestMessage',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 1800,
    });
  });
});
