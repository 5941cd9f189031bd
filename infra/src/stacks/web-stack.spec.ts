import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { type CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

import { buildApp, createApp, type LgmApp } from '../app';
import { SPA_REWRITE_FUNCTION_CODE } from '../constructs/spa-rewrite-function';
import { IMMUTABLE_CACHE_CONTROL } from '../constructs/web-site-deployment';
import { parseStageConfig, type StageConfigInput } from '../stage-config';
import { workspaceRoot } from '../workspace';
import { WEB_PLACEHOLDER_DIRECTORY, webSiteDirectory, type WebStack } from './web-stack';

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;
interface Statement {
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}
interface Behavior {
  PathPattern?: string;
  CachePolicyId: unknown;
  ResponseHeadersPolicyId: unknown;
  ViewerProtocolPolicy: string;
  Compress: boolean;
  AllowedMethods: string[];
  FunctionAssociations?: unknown[];
  TargetOriginId: string;
}

// The stubs keep these template tests independent of the apps: the chat Lambdas are not bundled
// and a small directory stands in for the built web app (app.spec.ts synthesises the real ones).
// CloudFormation validation runs in app.spec.ts too.
const STUB = 'infra/src/test-support/stub-handler.ts';
const PLACEHOLDER = join(workspaceRoot(), WEB_PLACEHOLDER_DIRECTORY);
function synthWeb(input: StageConfigInput, siteDirectory: string = PLACEHOLDER): LgmApp {
  return buildApp(
    parseStageConfig(input),
    createApp({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    }),
    {
      chatEntries: { chatApi: STUB, socket: STUB, authorizer: STUB, worker: STUB },
      webSiteDirectory: siteDirectory,
    },
  );
}

const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/** The one CloudFormation resource of `type` inside `construct`. */
function cfnOf(construct: IConstruct, type: string): CfnResource {
  const found = construct.node
    .findAll()
    .filter((child): child is CfnResource => CfnResource.isCfnResource(child))
    .filter((child) => child.cfnResourceType === type);
  expect(found).toHaveLength(1);
  return found[0] as CfnResource;
}

function only(template: Template, type: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

/**
 * `Fn::Join` of literals and references as one string: `<Ref>`, `<Id.Attr>`, `<import:Name>`,
 * and another stack's output as `<Stack:Output>`.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  if ('Ref' in node) return `<${String(node['Ref'])}>`;
  if ('Fn::ImportValue' in node) return `<import:${flatten(node['Fn::ImportValue'])}>`;
  if ('Fn::GetAtt' in node) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::GetStackOutput' in node) {
    const { StackName, OutputName } = node['Fn::GetStackOutput'] as Record<string, string>;
    return `<${StackName}:${OutputName}>`;
  }
  return JSON.stringify(node);
}

/**
 * How the web stack's template names a reference to `construct` of another stack: CDK publishes
 * it as an output of that stack (`PublishOutputRef…`), read with Fn::GetStackOutput.
 */
function outputRef(construct: IConstruct, attribute?: string): string {
  const stack = Stack.of(construct);
  const id = CfnResource.isCfnResource(construct)
    ? stack.getLogicalId(construct)
    : logicalId(construct);
  const expected = attribute === undefined ? { Ref: id } : { 'Fn::GetAtt': [id, attribute] };
  const outputs = Template.fromStack(stack).toJSON()['Outputs'] as Record<
    string,
    { Value: unknown }
  >;
  const name = Object.keys(outputs).find(
    (key) =>
      key.startsWith('PublishOutput') &&
      JSON.stringify(outputs[key]?.Value) === JSON.stringify(expected),
  );
  if (name === undefined) throw new Error(`${stack.stackName} has no output of ${id}`);
  return `<${stack.stackName}:${name}>`;
}

/** A Content-Security-Policy as directive → sources. */
function directivesOf(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(';').map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name as string, sources];
    }),
  );
}

/** A build as `vite build` leaves it, with a source map and a local config.json. */
function writeBuild(directory: string): void {
  const files: Record<string, string> = {
    'index.html': '<script type="module" src="/assets/index-Ab12Cd34.js"></script>',
    'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'config.json': '{"apiUrl":"http://localhost:3000"}',
    'assets/index-Ab12Cd34.js': 'console.log(1);\n//# sourceMappingURL=index-Ab12Cd34.js.map',
    'assets/index-Ab12Cd34.js.map': '{"version":3}',
    'assets/index-Ef56Gh78.css': 'body{margin:0}',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, name)), { recursive: true });
    writeFileSync(join(directory, name), content);
  }
}

describe('webSiteDirectory', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lgm-web-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('is the build when nx run web:build has written one, the placeholder page otherwise', () => {
    expect(webSiteDirectory(root)).toBe(join(root, WEB_PLACEHOLDER_DIRECTORY));

    writeBuild(join(root, 'dist/apps/web'));

    expect(webSiteDirectory(root)).toBe(join(root, 'dist/apps/web'));
  });

  it('has a placeholder that says what to do', () => {
    const page = readFileSync(join(PLACEHOLDER, 'index.html'), 'utf8');
    expect(page).toContain('npx nx run web:build');
  });
});

describe('WebStack (dev defaults)', () => {
  let build: string;
  let lgm: LgmApp;
  let web: WebStack;
  let template: Template;
  let distribution: Record<string, unknown>;
  let behaviors: Behavior[];
  let defaultBehavior: Behavior;

  beforeAll(() => {
    build = mkdtempSync(join(tmpdir(), 'lgm-web-build-'));
    writeBuild(build);
    lgm = synthWeb({ stage: 'dev' }, build);
    web = lgm.web;
    template = Template.fromStack(web);
    distribution = only(template, 'AWS::CloudFront::Distribution')[1].Properties[
      'DistributionConfig'
    ] as Record<string, unknown>;
    behaviors = distribution['CacheBehaviors'] as Behavior[];
    defaultBehavior = distribution['DefaultCacheBehavior'] as Behavior;
  });

  afterAll(() => {
    rmSync(build, { recursive: true, force: true });
  });

  const behavior = (pattern: string): Behavior => {
    const found = behaviors.find((candidate) => candidate.PathPattern === pattern);
    if (!found) throw new Error(`no behaviour for ${pattern}`);
    return found;
  };

  describe('the site bucket', () => {
    it('is private: every public access blocked, no ACLs, no website endpoint, TLS only', () => {
      const site = template.findResources('AWS::S3::Bucket')[
        logicalId(web.siteBucket.bucket)
      ] as Resource;
      expect(site.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalId(web.logsBucket.bucket) },
          LogFilePrefix: 'site/',
        },
      });
      expect(site.Properties['WebsiteConfiguration']).toBeUndefined();
      expect(site.Properties['AccessControl']).toBeUndefined();
    });

    it('lets only this distribution read it, through origin access control', () => {
      const siteId = logicalId(web.siteBucket.bucket);
      const [, policy] = Object.entries(
        template.findResources('AWS::S3::BucketPolicy', {
          Properties: { Bucket: { Ref: siteId } },
        }),
      )[0] as [string, Resource];
      const statements = (policy.Properties['PolicyDocument'] as { Statement: Statement[] })
        .Statement;
      const allows = statements.filter((statement) => statement.Effect === 'Allow');

      expect(allows).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [siteId, 'Arn'] }, '/*']] },
          Condition: {
            StringEquals: {
              'AWS:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':cloudfront::',
                    { Ref: 'AWS::AccountId' },
                    ':distribution/',
                    { Ref: logicalId(web.web.distribution) },
                  ],
                ],
              },
            },
          },
        },
      ]);
      // Everything else is refused without TLS 1.2.
      const denies = statements.filter((statement) => statement.Effect === 'Deny');
      expect(denies.map((statement) => statement.Condition)).toEqual([
        { Bool: { 'aws:SecureTransport': 'false' } },
        { NumericLessThan: { 's3:TlsVersion': 1.2 } },
      ]);
    });

    it('is the only origin, signed with SigV4 by an origin access control (no identity)', () => {
      const [oacId, oac] = only(template, 'AWS::CloudFront::OriginAccessControl');
      expect(oac.Properties['OriginAccessControlConfig']).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      const origins = distribution['Origins'] as Record<string, unknown>[];
      expect(origins).toHaveLength(1);
      expect(origins[0]).toMatchObject({
        DomainName: { 'Fn::GetAtt': [logicalId(web.siteBucket.bucket), 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      });
      template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
    });
  });

  describe('the distribution', () => {
    it('answers on HTTPS only (HTTP redirects), for GET and HEAD, compressed, on HTTP/2 and 3', () => {
      expect(behaviors).toHaveLength(2);
      for (const candidate of [defaultBehavior, ...behaviors]) {
        expect(candidate).toMatchObject({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          Compress: true,
        });
      }
      expect(distribution).toMatchObject({
        Enabled: true,
        HttpVersion: 'http2and3',
        IPV6Enabled: true,
        DefaultRootObject: 'index.html',
        PriceClass: 'PriceClass_200',
      });
      // CloudFront's own domain and certificate (the CFR4 acknowledgement explains why).
      expect(distribution['ViewerCertificate']).toBeUndefined();
      expect(distribution['Aliases']).toBeUndefined();
    });

    it('sends app routes to index.html with the viewer-request function, not error mapping', () => {
      const [functionId, fn] = only(template, 'AWS::CloudFront::Function');
      expect(fn.Properties).toMatchObject({
        FunctionCode: SPA_REWRITE_FUNCTION_CODE,
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        AutoPublish: true,
      });
      expect(defaultBehavior.FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
      ]);
      for (const candidate of behaviors) expect(candidate.FunctionAssociations).toBeUndefined();
      // A missing asset stays a 403/404 instead of turning into index.html with a 200.
      expect(distribution['CustomErrorResponses']).toBeUndefined();
    });

    it('caches /assets/* for a year and revalidates index.html and config.json every time', () => {
      const policies = template.findResources('AWS::CloudFront::CachePolicy') as Record<
        string,
        Resource
      >;
      const configOf = (ref: unknown) =>
        policies[(ref as { Ref: string }).Ref]?.Properties['CachePolicyConfig'];
      const noKeys = {
        CookiesConfig: { CookieBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
      };

      expect(configOf(behavior('/assets/*').CachePolicyId)).toMatchObject({
        MinTTL: 31_536_000,
        DefaultTTL: 31_536_000,
        MaxTTL: 31_536_000,
        ParametersInCacheKeyAndForwardedToOrigin: noKeys,
      });
      for (const candidate of [behavior('/config.json'), defaultBehavior]) {
        expect(configOf(candidate.CachePolicyId)).toMatchObject({
          MinTTL: 0,
          DefaultTTL: 0,
          ParametersInCacheKeyAndForwardedToOrigin: noKeys,
        });
      }
    });

    it('logs every request to the stack’s log bucket, which accepts CloudFront’s ACL grant', () => {
      const logsId = logicalId(web.logsBucket.bucket);
      expect(distribution['Logging']).toEqual({
        Bucket: { 'Fn::GetAtt': [logsId, 'RegionalDomainName'] },
        Prefix: 'cloudfront/',
      });
      const logs = template.findResources('AWS::S3::Bucket')[logsId] as Resource;
      expect(logs.Properties).toMatchObject({
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
      });
    });
  });

  describe('the security headers', () => {
    let headers: Record<string, Record<string, unknown>>;
    let csp: Record<string, string[]>;

    beforeAll(() => {
      const [policyId, policy] = only(template, 'AWS::CloudFront::ResponseHeadersPolicy');
      for (const candidate of [defaultBehavior, ...behaviors]) {
        expect(candidate.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
      }
      const config = policy.Properties['ResponseHeadersPolicyConfig'] as Record<string, unknown>;
      headers = config['SecurityHeadersConfig'] as Record<string, Record<string, unknown>>;
      csp = directivesOf(flatten(headers['ContentSecurityPolicy']?.['ContentSecurityPolicy']));
      expect(config['CustomHeadersConfig']).toEqual({
        Items: [
          {
            Header: 'Permissions-Policy',
            Value: expect.stringContaining('camera=(), geolocation=()'),
            Override: true,
          },
        ],
      });
    });

    it('sets HSTS, nosniff, DENY framing and a strict referrer policy, overriding the origin', () => {
      expect(headers).toMatchObject({
        StrictTransportSecurity: {
          AccessControlMaxAgeSec: 63_072_000,
          IncludeSubdomains: true,
          Override: true,
        },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        ContentSecurityPolicy: { Override: true },
      });
    });

    it('allows the app’s own scripts and styles only, and no framing, plugins or foreign bases', () => {
      expect(csp).toMatchObject({
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'frame-ancestors': ["'none'"],
      });
      expect(Object.keys(csp).sort()).toEqual(
        [
          'default-src',
          'script-src',
          'style-src',
          'img-src',
          'connect-src',
          'frame-src',
          'object-src',
          'base-uri',
          'form-action',
          'frame-ancestors',
        ].sort(),
      );
    });

    it('connects to exactly the REST and WebSocket APIs, the user pool and the upload bucket', () => {
      const region = '<AWS::Region>.<AWS::URLSuffix>';
      const domain = cfnOf(lgm.identity, 'AWS::Cognito::UserPoolDomain');
      const hosted = `https://${outputRef(domain)}.auth.<AWS::Region>.amazoncognito.com`;
      expect(csp['connect-src']).toEqual([
        "'self'",
        `https://${outputRef(lgm.chat.restApi.api)}.execute-api.${region}`,
        `wss://${outputRef(lgm.chat.socketApi.api)}.execute-api.${region}`,
        `https://cognito-idp.${region}`,
        hosted,
        `https://<import:${lgm.data.documentsBucketNameExport}>.s3.${region}`,
      ]);
      expect(csp['img-src']).toEqual([
        "'self'",
        'data:',
        'blob:',
        `https://<import:${lgm.data.artifactsBucketNameExport}>.s3.${region}`,
      ]);
      expect(csp['frame-src']).toEqual([hosted]);
      expect(csp['form-action']).toEqual(["'self'", hosted]);
    });
  });

  describe('the deployment of the app and its config.json', () => {
    type Deployment = Resource & { DependsOn?: string[] };
    let deployments: Record<string, Deployment>;

    beforeAll(() => {
      deployments = template.findResources('Custom::CDKBucketDeployment') as Record<
        string,
        Deployment
      >;
    });

    const deploymentOf = (id: 'assets' | 'pages'): [string, Deployment] => {
      const logical = web.getLogicalId(cfnOf(web.deployment[id], 'Custom::CDKBucketDeployment'));
      return [logical, deployments[logical] as Deployment];
    };

    it('copies assets/ as immutable without pruning, then the pages as no-cache with pruning', () => {
      expect(Object.keys(deployments)).toHaveLength(2);
      const [assetsId, assets] = deploymentOf('assets');
      const [, pages] = deploymentOf('pages');
      const bucket = { Ref: logicalId(web.siteBucket.bucket) };

      expect(assets.Properties).toMatchObject({
        DestinationBucketName: bucket,
        Exclude: ['*'],
        Include: ['assets/*'],
        Prune: false,
        SystemMetadata: { 'cache-control': IMMUTABLE_CACHE_CONTROL },
      });
      expect(pages.Properties).toMatchObject({
        DestinationBucketName: bucket,
        Exclude: ['assets/*'],
        Prune: true,
        SystemMetadata: { 'cache-control': 'no-cache' },
      });
      // The same build in both; index.html only once its chunks are there.
      expect((pages.Properties['SourceObjectKeys'] as string[])[0]).toBe(
        (assets.Properties['SourceObjectKeys'] as string[])[0],
      );
      expect(pages.DependsOn).toEqual(expect.arrayContaining([assetsId]));
    });

    it('writes config.json with the APIs, the issuer and the web client, resolved at deploy time', () => {
      const [, pages] = deploymentOf('pages');
      const [, configKey] = pages.Properties['SourceObjectKeys'] as string[];
      const [, markers] = pages.Properties['SourceMarkers'] as Record<string, unknown>[];
      let text = readFileSync(
        join(lgm.app.outdir, `asset.${String(configKey).replace(/\.zip$/, '')}`, 'config.json'),
        'utf8',
      );
      for (const [marker, value] of Object.entries(markers ?? {})) {
        text = text.split(marker).join(flatten(value));
      }
      const region = '<AWS::Region>.<AWS::URLSuffix>';
      const restApi = outputRef(lgm.chat.restApi.api);
      const apiUrl = `https://${restApi}.execute-api.${region}/${outputRef(lgm.chat.restApi.api.deploymentStage)}/`;

      expect(JSON.parse(text)).toEqual({
        apiUrl,
        wsUrl: `wss://${outputRef(lgm.chat.socketApi.api)}.execute-api.${region}/v1`,
        services: { 'chat-api': apiUrl },
        auth: {
          authority: `https://cognito-idp.${region}/${outputRef(lgm.identity.userPool)}`,
          clientId: outputRef(lgm.identity.webClient),
          redirectPath: '/auth/callback',
          scope: 'openid email profile',
          signOutUrl: expect.stringMatching(/^https:\/\/.+\.amazoncognito\.com\/logout$/),
        },
      });
    });

    it('deploys the build without its source maps or its own config.json', () => {
      const [, pages] = deploymentOf('pages');
      const [siteKey] = pages.Properties['SourceObjectKeys'] as string[];
      const staged = join(lgm.app.outdir, `asset.${String(siteKey).replace(/\.zip$/, '')}`);
      const has = (name: string) => existsSync(join(staged, name));

      expect({
        'index.html': has('index.html'),
        'favicon.svg': has('favicon.svg'),
        'assets/index-Ab12Cd34.js': has('assets/index-Ab12Cd34.js'),
        'assets/index-Ef56Gh78.css': has('assets/index-Ef56Gh78.css'),
        'assets/index-Ab12Cd34.js.map': has('assets/index-Ab12Cd34.js.map'),
        'config.json': has('config.json'),
      }).toEqual({
        'index.html': true,
        'favicon.svg': true,
        'assets/index-Ab12Cd34.js': true,
        'assets/index-Ef56Gh78.css': true,
        'assets/index-Ab12Cd34.js.map': false,
        'config.json': false,
      });
    });
  });

  it('outputs the URL, the distribution and the bucket', () => {
    const outputs = template.toJSON()['Outputs'] as Record<
      string,
      { Value: unknown; Description: string }
    >;
    const distributionId = logicalId(web.web.distribution);
    expect(flatten(outputs['WebUrl']?.Value)).toBe(`https://<${distributionId}.DomainName>`);
    expect(outputs['WebUrl']?.Description).toContain('add it to webOrigins');
    expect(outputs['DistributionId']?.Value).toEqual({ Ref: distributionId });
    expect(outputs['SiteBucketName']?.Value).toEqual({ Ref: logicalId(web.siteBucket.bucket) });
  });

  it('is deployed after the stacks it reads, and none of them reads it (no cycle)', () => {
    expect(web.dependencies.map((stack) => stack.stackName).sort()).toEqual(
      ['Lgm-dev-Chat', 'Lgm-dev-Data', 'Lgm-dev-Identity'].sort(),
    );
    for (const stack of [lgm.data, lgm.identity, lgm.chat]) {
      expect(stack.dependencies).not.toContain(web);
    }
  });
});

describe('WebStack (prod with a custom domain)', () => {
  const certificateArn =
    'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  let lgm: LgmApp;
  let distribution: Record<string, unknown>;

  beforeAll(() => {
    lgm = synthWeb({
      stage: 'prod',
      webDomainName: 'chat.example.com',
      webCertificateArn: certificateArn,
      webPriceClass: 'all',
    });
    distribution = only(Template.fromStack(lgm.web), 'AWS::CloudFront::Distribution')[1].Properties[
      'DistributionConfig'
    ] as Record<string, unknown>;
  });

  it('serves the domain with its certificate, SNI and TLS 1.2 at least', () => {
    expect(distribution).toMatchObject({
      Aliases: ['chat.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: certificateArn,
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      },
      PriceClass: 'PriceClass_All',
    });
    const outputs = Template.fromStack(lgm.web).toJSON()['Outputs'] as Record<
      string,
      { Value: unknown }
    >;
    expect(outputs['WebUrl']?.Value).toBe('https://chat.example.com');
  });

  it('makes the domain the web origin of the sign-in, the API and the upload bucket', () => {
    const client = only(Template.fromStack(lgm.identity), 'AWS::Cognito::UserPoolClient')[1];
    expect(client.Properties).toMatchObject({
      CallbackURLs: ['https://chat.example.com/auth/callback'],
      LogoutURLs: ['https://chat.example.com/'],
    });
    Template.fromStack(lgm.chat).hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseParameters: {
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://chat.example.com'",
      },
    });
    const buckets = Template.fromStack(lgm.data).findResources('AWS::S3::Bucket', {
      Properties: { CorsConfiguration: {} },
    });
    expect(JSON.stringify(buckets)).toContain('"AllowedOrigins":["https://chat.example.com"]');
  });

  it('keeps the site and its logs when the stack goes', () => {
    const template = Template.fromStack(lgm.web);
    for (const bucket of [lgm.web.siteBucket.bucket, lgm.web.logsBucket.bucket]) {
      expect(template.findResources('AWS::S3::Bucket')[logicalId(bucket)]).toMatchObject({
        DeletionPolicy: 'Retain',
      });
    }
    expect(lgm.web.terminationProtection).toBe(true);
  });
});
