import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MODEL_CATALOG } from '@lgm/bedrock';
import { type CfnElement, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

import { addComplianceChecks, buildApp, createApp, type LgmApp } from './app';
import { webSiteDirectory } from './stacks/web-stack';
import { parseStageConfig } from './stage-config';
import { readValidationReport, type ValidationSummary } from './validation-report';
import { workspaceRoot } from './workspace';

// The whole app, synthesised the way `cdk synth` does it: cdk-nag plus aws-cdk-lib's built-in
// CloudFormation validation. Each synth runs once per configuration and is shared by the tests.
function synthesise(lgm: LgmApp): ValidationSummary {
  return readValidationReport(lgm.app.synth().directory);
}

// What every stage acknowledges, each with its reason in the stack that owns the resource: the
// doc-ingestor role's unavoidable wildcards and CDK's own bucket-notifications handler.
function ingestionAcknowledgements({ ingestion, data }: LgmApp): string[] {
  const logGroup = ingestion.getLogicalId(
    ingestion.ingestor.logGroup.node.defaultChild as CfnElement,
  );
  return [
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'AwsSolutions-IAM5[Resource::*]',
    `AwsSolutions-IAM5[Resource::<${logGroup}.Arn>:log-stream:*]`,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${data.documentsBucketNameExport}/documents/*]`,
  ];
}

// What the chat stacks acknowledge, once per construct that carries the acknowledgement: the
// functions' unavoidable wildcards (tracing, VPC interfaces, their log streams, per-user object
// keys, inference-profile destinations, WebSocket connection ids), the account's API Gateway
// logging role, the public REST methods, the WebSocket routes after $connect, and optional MFA.
function chatAcknowledgements(
  { chat, data }: LgmApp,
  options: { readonly partition: string; readonly regionAccount: string; readonly waf: boolean },
): string[] {
  const id = (construct: IConstruct) =>
    chat.getLogicalId(construct.node.defaultChild as CfnElement);
  const functions = [chat.chatApi, chat.socketHandler, chat.authorizer, chat.worker];
  const bucket = (exportName: string, prefix: string) =>
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${exportName}/${prefix}*]`;
  const models = MODEL_CATALOG.filter((model) => model.kind === 'chat').map(
    (model) =>
      `AwsSolutions-IAM5[Resource::arn:${options.partition}:bedrock:*::foundation-model/${model.bedrockModelId.replace(/^us\./, '')}]`,
  );
  const connections = `AwsSolutions-IAM5[Resource::arn:${options.partition}:execute-api:${options.regionAccount}:<${id(chat.socketApi.api)}>/v1/*/@connections/*]`;
  return [
    ...functions.map(() => 'AwsSolutions-IAM5[Resource::*]'),
    ...functions.map((fn) => `AwsSolutions-IAM5[Resource::<${id(fn.logGroup)}.Arn>:log-stream:*]`),
    bucket(data.documentsBucketNameExport, 'documents/'),
    bucket(data.artifactsBucketNameExport, 'artifacts/'),
    bucket(data.artifactsBucketNameExport, 'artifacts/'),
    ...models,
    ...models,
    connections,
    connections,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    ...Array<string>(3 + 6).fill('AwsSolutions-APIG4'),
    ...Array<string>(3).fill('AwsSolutions-COG4'),
    ...(options.waf ? [] : ['AwsSolutions-APIG3']),
    'AwsSolutions-COG2',
  ];
}

// What the web stack acknowledges: no geo restriction and no web ACL for static files, CloudFront's
// default certificate without a custom domain, and CDK's bucket-deployment handler (its runtime,
// managed policy and the wildcards of its grants on the asset and site buckets).
function webAcknowledgements(
  { web }: LgmApp,
  options: {
    readonly partition: string;
    readonly assetBucket: string;
    readonly customDomain: boolean;
  },
): string[] {
  const site = web.getLogicalId(web.siteBucket.bucket.node.defaultChild as CfnElement);
  return [
    'AwsSolutions-CFR1',
    'AwsSolutions-CFR2',
    ...(options.customDomain ? [] : ['AwsSolutions-CFR4']),
    'AwsSolutions-L1',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ...['GetBucket*', 'GetObject*', 'List*', 'Abort*', 'DeleteObject*'].map(
      (action) => `AwsSolutions-IAM5[Action::s3:${action}]`,
    ),
    `AwsSolutions-IAM5[Resource::<${site}.Arn>/*]`,
    `AwsSolutions-IAM5[Resource::arn:${options.partition}:s3:::${options.assetBucket}/*]`,
  ];
}

function expectReasonsInWords(report: ValidationSummary): void {
  for (const finding of report.acknowledged) {
    expect(finding.reason.split(/\s+/).length).toBeGreaterThan(10);
  }
}

describe('the dev app', () => {
  let lgm: LgmApp;
  let report: ValidationSummary;

  beforeAll(() => {
    lgm = buildApp(parseStageConfig({ stage: 'dev' }));
    report = synthesise(lgm);
  });

  it('has no unacknowledged cdk-nag or CloudFormation finding, not even a warning', () => {
    expect(report.findings).toEqual([]);
  });

  it('acknowledges only the known findings, and says why in words', () => {
    expect(report.acknowledged.map((finding) => finding.rule).sort()).toEqual(
      [
        ...ingestionAcknowledgements(lgm),
        ...chatAcknowledgements(lgm, {
          partition: '<AWS::Partition>',
          regionAccount: '<AWS::Region>:<AWS::AccountId>',
          waf: false,
        }),
        ...webAcknowledgements(lgm, {
          partition: '<AWS::Partition>',
          assetBucket: 'cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>',
          customDomain: false,
        }),
        'AwsSolutions-RDS10',
      ].sort(),
    );
    // Deletion protection is waived only for the disposable stage's database.
    expect(
      report.acknowledged.find((finding) => finding.rule === 'AwsSolutions-RDS10')?.constructPaths,
    ).toEqual(['Lgm-dev-Database/Database/Cluster/Resource']);
    expectReasonsInWords(report);
  });

  it('names its stacks after the stage and leaves the environment to the CLI', () => {
    expect(lgm.app.node.children.filter(Stack.isStack).map((stack) => stack.stackName)).toEqual([
      'Lgm-dev-Network',
      'Lgm-dev-Data',
      'Lgm-dev-Database',
      'Lgm-dev-Ingestion',
      'Lgm-dev-Identity',
      'Lgm-dev-Chat',
      'Lgm-dev-Web',
    ]);
    expect(lgm.network.environment).toBe('aws://unknown-account/unknown-region');
    expect(lgm.data.terminationProtection).toBe(false);
  });

  it('bundles each chat Lambda entry as one ES module with the require banner and a source map', () => {
    const template = Template.fromStack(lgm.chat);
    for (const fn of [
      lgm.chat.chatApi,
      lgm.chat.socketHandler,
      lgm.chat.authorizer,
      lgm.chat.worker,
    ]) {
      const logicalId = lgm.chat.getLogicalId(fn.function.node.defaultChild as CfnElement);
      const resource = template.findResources('AWS::Lambda::Function')[logicalId] as {
        Properties: { Code: { S3Key: string } };
      };
      const key = resource.Properties.Code.S3Key;
      const directory = join(lgm.app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
      const bundle = readFileSync(join(directory, 'index.mjs'), 'utf8');
      expect(bundle.startsWith('import { createRequire as __lgmCreateRequire }')).toBe(true);
      expect(bundle).toContain('sourceMappingURL=index.mjs.map');
      // The SDK comes with the runtime: imported, never bundled.
      const { sources } = JSON.parse(readFileSync(join(directory, 'index.mjs.map'), 'utf8')) as {
        sources: string[];
      };
      expect(sources.filter((source) => /node_modules\/(@aws-sdk|@smithy)\//.test(source))).toEqual(
        [],
      );
      // Within the 1 MB budget (ARCHITECTURE §5), with ajv beside the bundle for the MCP client.
      expect(statSync(join(directory, 'index.mjs')).size).toBeLessThanOrEqual(1024 * 1024);
      expect(existsSync(join(directory, 'node_modules', 'ajv', 'package.json'))).toBe(true);
      expect(
        sources.filter((source) => /node_modules\/(ajv|@fastify\/ajv-compiler)\//.test(source)),
      ).toEqual([]);
    }
  });

  it('deploys the web app that nx run web:build wrote, or the placeholder page that asks for it', () => {
    const template = Template.fromStack(lgm.web);
    const deployment = lgm.web.deployment.pages.node
      .findAll()
      .find(
        (child): child is CfnResource =>
          CfnResource.isCfnResource(child) &&
          child.cfnResourceType === 'Custom::CDKBucketDeployment',
      );
    const resource = template.findResources('Custom::CDKBucketDeployment')[
      lgm.web.getLogicalId(deployment as CfnResource)
    ] as { Properties: { SourceObjectKeys: string[] } };
    const [siteKey] = resource.Properties.SourceObjectKeys;
    const staged = join(lgm.app.outdir, `asset.${String(siteKey).replace(/\.zip$/, '')}`);

    expect(readFileSync(join(staged, 'index.html'), 'utf8')).toBe(
      readFileSync(join(webSiteDirectory(workspaceRoot()), 'index.html'), 'utf8'),
    );
  });

  it('tags every resource with project and stage, and reports no version metadata', () => {
    const template = Template.fromStack(lgm.data);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      Tags: [
        { Key: 'project', Value: 'lgm' },
        { Key: 'stage', Value: 'dev' },
      ],
    });
    template.resourceCountIs('AWS::CDK::Metadata', 0);
  });
});

describe('the prod app with NAT, a customer managed key and a concrete environment', () => {
  let lgm: LgmApp;
  let report: ValidationSummary;

  beforeAll(() => {
    lgm = buildApp(
      parseStageConfig({
        stage: 'prod',
        natGateways: '2',
        encryption: 'customer-managed',
        account: '123456789012',
        region: 'eu-west-1',
        availabilityZones: 'eu-west-1a,eu-west-1b',
        webOrigins: 'https://app.example.com',
        webDomainName: 'chat.example.com',
        webCertificateArn:
          'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      }),
    );
    report = synthesise(lgm);
  });

  it('has no unacknowledged finding', () => {
    expect(report.findings).toEqual([]);
  });

  it('acknowledges only the configured zones and the known wildcards, and says why', () => {
    expect(new Set(report.acknowledged.map((finding) => finding.rule))).toEqual(
      new Set([
        'W3010',
        ...ingestionAcknowledgements(lgm),
        ...chatAcknowledgements(lgm, {
          partition: 'aws',
          regionAccount: 'eu-west-1:123456789012',
          waf: true,
        }),
        ...webAcknowledgements(lgm, {
          partition: 'aws',
          assetBucket: 'cdk-hnb659fds-assets-123456789012-eu-west-1',
          customDomain: true,
        }),
      ]),
    );
    expectReasonsInWords(report);
  });

  it('protects its stacks from deletion', () => {
    expect(lgm.network.terminationProtection).toBe(true);
    expect(lgm.data.terminationProtection).toBe(true);
    expect(lgm.database.terminationProtection).toBe(true);
    expect(lgm.ingestion.terminationProtection).toBe(true);
    expect(lgm.identity.terminationProtection).toBe(true);
    expect(lgm.chat.terminationProtection).toBe(true);
    expect(lgm.web.terminationProtection).toBe(true);
    expect(lgm.network.environment).toBe('aws://123456789012/eu-west-1');
  });
});

describe('the compliance checks', () => {
  let outdir: string;

  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'lgm-nag-'));
  });

  afterEach(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  function carelessApp() {
    const app = createApp({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Throwaway');
    // No access logs and no TLS-only policy: AwsSolutions-S1 and AwsSolutions-S10.
    const bucket = new Bucket(stack, 'Careless');
    addComplianceChecks(app);
    return { app, bucket };
  }

  it('fail the synth of a non-compliant resource and report it', () => {
    const { app } = carelessApp();

    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);

    const { findings } = readValidationReport(outdir);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          plugin: 'AwsSolutions',
          rule: 'AwsSolutions-S1',
          severity: 'error',
          constructPaths: ['Throwaway/Careless/Resource'],
        }),
        expect.objectContaining({
          rule: 'AwsSolutions-S10',
          constructPaths: ['Throwaway/Careless/Resource'],
        }),
      ]),
    );
  });

  it('let an acknowledged finding pass, keeping its reason in the report', () => {
    const { app, bucket } = carelessApp();
    Validations.of(bucket).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-S1', reason: 'Throwaway bucket of a test: no logs.' },
      { id: 'AwsSolutions::AwsSolutions-S10', reason: 'Throwaway bucket of a test: no policy.' },
    );

    expect(() => app.synth()).not.toThrow();

    const report = readValidationReport(outdir);
    expect(report.findings).toEqual([]);
    expect(report.acknowledged.map(({ rule, reason }) => ({ rule, reason }))).toEqual(
      expect.arrayContaining([
        { rule: 'AwsSolutions-S1', reason: 'Throwaway bucket of a test: no logs.' },
        { rule: 'AwsSolutions-S10', reason: 'Throwaway bucket of a test: no policy.' },
      ]),
    );
  });
});
