import { TABLE_NAMES, type TableName, TABLES, toCreateTableInput } from '@lgm/persistence';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

import { buildApp, createApp } from '../app';
import { parseStageConfig, type StageConfigInput } from '../stage-config';
import type { DataStack } from './data-stack';

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;

// Built-in CloudFormation validation and Lambda bundling run in app.spec.ts; here they would
// only cost time.
function synthData(input: StageConfigInput): { template: Template; data: DataStack } {
  const { data } = buildApp(
    parseStageConfig(input),
    createApp({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    }),
  );
  return { template: Template.fromStack(data), data };
}

function tableResource(template: Template, data: DataStack, name: TableName): Resource {
  const logicalId = data.getLogicalId(data.tables[name].node.defaultChild as CfnElement);
  const table = template.findResources('AWS::DynamoDB::Table')[logicalId] as Resource | undefined;
  if (!table) throw new Error(`no table ${name} (${logicalId}) in the template`);
  return table;
}

function bucketsLoggingTo(template: Template, prefix: string): Resource {
  const found = Object.values(
    template.findResources('AWS::S3::Bucket', {
      Properties: { LoggingConfiguration: { LogFilePrefix: prefix } },
    }),
  ) as Resource[];
  expect(found).toHaveLength(1);
  return found[0] as Resource;
}

const sortByName = <T extends { AttributeName: string }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));

describe('DataStack (dev defaults)', () => {
  let template: Template;
  let data: DataStack;

  beforeAll(() => {
    ({ template, data } = synthData({ stage: 'dev' }));
  });

  it('creates exactly the tables of @lgm/persistence', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLE_NAMES.length);
  });

  it.each(TABLE_NAMES)('creates %s from its shared definition', (name) => {
    const definition = TABLES[name];
    const expected = toCreateTableInput(definition);

    const table = tableResource(template, data, name);
    const properties = table.Properties;

    expect(properties['KeySchema']).toEqual(expected.KeySchema);
    // Keys and indexes are those the local bootstrap creates, so both worlds agree.
    expect(sortByName(properties['AttributeDefinitions'] as { AttributeName: string }[])).toEqual(
      sortByName(expected.AttributeDefinitions),
    );
    expect(properties['GlobalSecondaryIndexes']).toEqual(expected.GlobalSecondaryIndexes);
    expect(properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      DeletionProtectionEnabled: false,
    });
    expect(table['DeletionPolicy']).toBe('Delete');
  });

  it('creates the documents, artifacts and access log buckets, all private and TLS-only', () => {
    const buckets = template.findResources('AWS::S3::Bucket') as Record<string, Resource>;
    expect(Object.keys(buckets)).toHaveLength(3);

    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      const rules = (bucket.Properties['LifecycleConfiguration'] as { Rules: Resource[] }).Rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ AbortIncompleteMultipartUpload: expect.anything() }),
          expect.objectContaining({ NoncurrentVersionExpiration: expect.anything() }),
        ]),
      );
    }

    for (const logicalId of Object.keys(buckets)) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        },
      });
    }
  });

  it('sends the server access logs of documents and artifacts to the log bucket', () => {
    const documents = bucketsLoggingTo(template, 'documents/');
    const artifacts = bucketsLoggingTo(template, 'artifacts/');
    const destination = (documents.Properties['LoggingConfiguration'] as Record<string, unknown>)[
      'DestinationBucketName'
    ];
    expect(destination).toEqual({ Ref: expect.any(String) });
    expect(
      (artifacts.Properties['LoggingConfiguration'] as Record<string, unknown>)[
        'DestinationBucketName'
      ],
    ).toEqual(destination);

    const logBucketId = (destination as { Ref: string }).Ref;
    const logBucket = template.findResources('AWS::S3::Bucket')[logBucketId] as Resource;
    expect(logBucket.Properties['LoggingConfiguration']).toBeUndefined();
    expect(logBucket.Properties['LifecycleConfiguration']).toEqual({
      Rules: [expect.objectContaining({ ExpirationInDays: 90, Status: 'Enabled' })],
    });
    // S3 log delivery writes through the bucket policy, not an ACL.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
  });

  it('lets only the web origins PUT documents from the browser', () => {
    const documents = bucketsLoggingTo(template, 'documents/');
    expect(documents.Properties['CorsConfiguration']).toEqual({
      CorsRules: [
        expect.objectContaining({
          AllowedOrigins: ['http://localhost:5173'],
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
        }),
      ],
    });
    expect(
      bucketsLoggingTo(template, 'artifacts/').Properties['CorsConfiguration'],
    ).toBeUndefined();
  });

  it('ages artifacts into Standard-IA and expires them; keeps old versions 30 days', () => {
    const rules = (
      bucketsLoggingTo(template, 'artifacts/').Properties['LifecycleConfiguration'] as {
        Rules: Resource[];
      }
    ).Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          ExpirationInDays: 365,
        }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
      ]),
    );
  });

  it('creates no KMS key when the AWS managed keys are chosen', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('exports the names of the data buckets for the stacks that scope IAM to their prefixes', () => {
    for (const [output, prefix, exportName] of [
      ['DocumentsBucketName', 'documents/', data.documentsBucketNameExport],
      ['ArtifactsBucketName', 'artifacts/', data.artifactsBucketNameExport],
    ] as const) {
      const bucketId = Object.keys(
        template.findResources('AWS::S3::Bucket', {
          Properties: { LoggingConfiguration: { LogFilePrefix: prefix } },
        }),
      )[0];
      template.hasOutput(output, { Value: { Ref: bucketId }, Export: { Name: exportName } });
    }
    expect(data.artifactsBucketNameExport).toBe('Lgm-dev-Data-ArtifactsBucketName');
  });
});

describe('DataStack (prod, customer managed key)', () => {
  let template: Template;
  let data: DataStack;

  beforeAll(() => {
    ({ template, data } = synthData({
      stage: 'prod',
      encryption: 'customer-managed',
      webOrigins: 'https://app.example.com',
    }));
  });

  it('encrypts tables and data buckets with one rotating customer managed key', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };

    for (const name of TABLE_NAMES) {
      const table = tableResource(template, data, name);
      expect(table.Properties['SSESpecification']).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: keyArn,
      });
    }
    for (const prefix of ['documents/', 'artifacts/']) {
      expect(bucketsLoggingTo(template, prefix).Properties['BucketEncryption']).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
          },
        ],
      });
    }
  });

  it('keeps the log bucket on SSE-S3, the only encryption S3 log delivery supports', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.absent(),
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    });
  });

  it('protects and retains every table and bucket', () => {
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { DeletionProtectionEnabled: true },
      });
    }
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('allows the production web origin for uploads', () => {
    expect(bucketsLoggingTo(template, 'documents/').Properties['CorsConfiguration']).toEqual({
      CorsRules: [expect.objectContaining({ AllowedOrigins: ['https://app.example.com'] })],
    });
  });
});
