import { MODEL_CATALOG } from '@lgm/bedrock';

import { parseStageConfig, readStageConfig, StageConfigError } from './stage-config';

function issuesOf(input: Parameters<typeof parseStageConfig>[0]): Record<string, string> {
  try {
    parseStageConfig(input);
  } catch (error) {
    if (!(error instanceof StageConfigError)) throw error;
    return Object.fromEntries(error.issues.map((issue) => [issue.key, issue.message]));
  }
  throw new Error('expected a StageConfigError');
}

const NAT_REQUIRED =
  'must be at least 1: the chat services reach the user pool keys, the WebSocket management API and MCP servers over the internet';

describe('parseStageConfig', () => {
  it('gives a dev stage one NAT gateway, disposable data and the local web origin', () => {
    const config = parseStageConfig({ stage: 'dev' });

    expect(config).toMatchObject({
      stage: 'dev',
      isProduction: false,
      natGateways: 1,
      vpcCidr: '10.40.0.0/16',
      removalPolicy: 'destroy',
      deletionProtection: false,
      encryption: 'aws-managed',
      webOrigins: ['http://localhost:5173'],
      flowLogRetentionDays: 30,
      logRetentionDays: 30,
      serviceVersion: 'dev',
    });
    expect(config.account).toBeUndefined();
    expect(config.alarmEmail).toBeUndefined();
  });

  it('retains and protects the data of prod by default', () => {
    const config = parseStageConfig({ stage: 'prod', webOrigins: 'https://app.example.com' });

    expect(config).toMatchObject({
      isProduction: true,
      removalPolicy: 'retain',
      deletionProtection: true,
      flowLogRetentionDays: 365,
      logRetentionDays: 365,
    });
  });

  it('accepts the strings the CLI passes (-c key=value) as well as JSON from cdk.json', () => {
    const fromCli = parseStageConfig({
      stage: 'test',
      natGateways: '2',
      account: '123456789012',
      region: 'eu-west-1',
      availabilityZones: 'eu-west-1a, eu-west-1b',
      webOrigins: 'https://a.example.com,http://localhost:5173',
      flowLogRetentionDays: '90',
      alarmEmail: 'ops@example.com',
    });
    const fromJson = parseStageConfig({
      stage: 'test',
      natGateways: 2,
      account: '123456789012',
      region: 'eu-west-1',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      webOrigins: ['https://a.example.com', 'http://localhost:5173'],
      flowLogRetentionDays: 90,
      alarmEmail: 'ops@example.com',
    });

    expect(fromCli).toEqual(fromJson);
    expect(fromCli.natGateways).toBe(2);
    expect(fromCli.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b']);
  });

  it('reports every bad value in one error, each under its key', () => {
    const issues = issuesOf({
      stage: 'Prod!',
      natGateways: '3',
      account: '1234',
      region: 'Europe',
      vpcCidr: '8.8.8.0/24',
      removalPolicy: 'sometimes',
      encryption: 'rot13',
      webOrigins: 'https://app.example.com/path',
      alarmEmail: 'not-an-email',
      flowLogRetentionDays: '10',
      noncurrentVersionExpirationDays: '0',
    });

    expect(Object.keys(issues).sort()).toEqual(
      [
        'stage',
        'natGateways',
        'account',
        'region',
        'vpcCidr',
        'removalPolicy',
        'encryption',
        'webOrigins.0',
        'alarmEmail',
        'flowLogRetentionDays',
        'noncurrentVersionExpirationDays',
      ].sort(),
    );
    expect(issues['natGateways']).toMatch(/between 1 and 2.*\(got "3"\)/);
    expect(issues['stage']).toContain('(got "Prod!")');
  });

  it('checks values against each other, even when single values are wrong as well', () => {
    const issues = issuesOf({
      stage: 'prod',
      removalPolicy: 'destroy',
      region: 'eu-west-1',
      webOrigins: 'http://app.example.com',
      natGateways: 'many',
      artifactsInfrequentAccessAfterDays: 60,
      artifactsExpireAfterDays: 45,
    });

    expect(issues).toEqual({
      natGateways: expect.any(String),
      removalPolicy: expect.stringContaining("must be 'retain' for stage 'prod'"),
      account: expect.stringContaining('account and region must be set together'),
      availabilityZones: expect.stringContaining('is required when region is set'),
      webOrigins: expect.stringContaining('https://'),
      artifactsExpireAfterDays: expect.stringContaining('later than'),
    });
  });

  it('rejects zones of another region and a zone list of the wrong size', () => {
    expect(
      issuesOf({
        stage: 'dev',
        account: '123456789012',
        region: 'eu-west-1',
        availabilityZones: 'us-east-1a,us-east-1b',
      }),
    ).toEqual({ availabilityZones: expect.stringContaining('zones of region eu-west-1') });
    expect(issuesOf({ stage: 'dev', availabilityZones: 'eu-west-1a' })).toEqual({
      availabilityZones: expect.stringContaining('exactly 2 different zones'),
    });
  });

  it('says how to pass the stage when it is missing, and the message lists every issue', () => {
    expect(() => parseStageConfig({ natGateways: '-1' })).toThrow(
      new StageConfigError([
        { key: 'stage', message: 'is required: pass -c stage=<name>, e.g. -c stage=dev' },
        { key: 'natGateways', message: `${NAT_REQUIRED} (got "-1")` },
      ]),
    );
    try {
      parseStageConfig({ natGateways: '-1' });
    } catch (error) {
      expect((error as Error).message).toBe(
        'Invalid stage configuration (CDK context):\n' +
          '  - stage: is required: pass -c stage=<name>, e.g. -c stage=dev\n' +
          `  - natGateways: ${NAT_REQUIRED} (got "-1")`,
      );
    }
  });
});

describe('parseStageConfig: identity and chat', () => {
  const chatModels = MODEL_CATALOG.filter((model) => model.kind === 'chat').map(
    (model) => model.id,
  );

  it('derives the sign-in settings from the stage and its web origins', () => {
    const config = parseStageConfig({
      stage: 'dev',
      webOrigins: 'http://localhost:5173,https://app.example.com',
    });

    expect(config).toMatchObject({
      cognitoDomainPrefix: 'lgm-dev',
      selfSignUp: true,
      cognitoFeaturePlan: 'plus',
      authCallbackUrls: [
        'http://localhost:5173/auth/callback',
        'https://app.example.com/auth/callback',
      ],
      authLogoutUrls: ['http://localhost:5173/', 'https://app.example.com/'],
    });
  });

  it('lets chat use every catalog chat model, Claude Haiku 4.5 by default, with moderate limits', () => {
    const config = parseStageConfig({ stage: 'dev' });

    expect(config.chatModelIds[0]).toBe('claude-haiku-4-5');
    expect([...config.chatModelIds].sort()).toEqual([...chatModels].sort());
    expect(config).toMatchObject({
      defaultModelId: 'claude-haiku-4-5',
      apiThrottleRate: 50,
      apiThrottleBurst: 100,
      socketThrottleRate: 100,
      socketThrottleBurst: 200,
      maxConcurrentTurns: 20,
      wafEnabled: false,
    });
    expect(
      parseStageConfig({ stage: 'prod', webOrigins: 'https://a.example.com' }).wafEnabled,
    ).toBe(true);
  });

  it('reads flags, lists and numbers from CLI strings', () => {
    const config = parseStageConfig({
      stage: 'test',
      selfSignUp: 'false',
      wafEnabled: 'true',
      cognitoFeaturePlan: 'essentials',
      chatModelIds: 'nova-lite, nova-pro',
      apiThrottleRate: '12.5',
      socketThrottleBurst: '30',
      maxConcurrentTurns: '4',
    });

    expect(config).toMatchObject({
      selfSignUp: false,
      wafEnabled: true,
      cognitoFeaturePlan: 'essentials',
      chatModelIds: ['nova-lite', 'nova-pro'],
      defaultModelId: 'nova-lite',
      apiThrottleRate: 12.5,
      socketThrottleBurst: 30,
      maxConcurrentTurns: 4,
    });
  });

  it('reports every bad identity and chat value under its key', () => {
    const issues = issuesOf({
      stage: 'dev',
      natGateways: '0',
      cognitoDomainPrefix: 'my-aws-chat',
      selfSignUp: 'maybe',
      cognitoFeaturePlan: 'gold',
      authCallbackUrls: 'http://app.example.com/callback',
      authLogoutUrls: 'not a url',
      chatModelIds: 'gpt-4',
      defaultModelId: 'claude-9',
      apiThrottleRate: '0',
      apiThrottleBurst: '1.5',
      socketThrottleRate: '20000',
      maxConcurrentTurns: '1',
      wafEnabled: 'yes',
    });

    expect(issues).toEqual({
      natGateways: `${NAT_REQUIRED} (got "0")`,
      cognitoDomainPrefix: expect.stringContaining("must not contain 'aws'"),
      selfSignUp: expect.stringContaining('true or false'),
      cognitoFeaturePlan: expect.any(String),
      'authCallbackUrls.0': expect.stringContaining('http:// only for localhost'),
      'authLogoutUrls.0': expect.stringContaining('https://'),
      'chatModelIds.0': expect.stringContaining('chat model of the catalog: claude-sonnet-4-5'),
      defaultModelId: expect.stringContaining('chat model of the catalog'),
      apiThrottleRate: expect.any(String),
      apiThrottleBurst: expect.any(String),
      socketThrottleRate: expect.any(String),
      maxConcurrentTurns: expect.any(String),
      wafEnabled: expect.stringContaining('true or false'),
    });
    expect(issuesOf({ stage: 'dev', cognitoDomainPrefix: '-lgm' })).toEqual({
      cognitoDomainPrefix: expect.stringContaining('lowercase letters, digits or hyphens'),
    });
  });

  it('keeps the default model among the invokable ones, and prod redirects on https', () => {
    expect(
      issuesOf({ stage: 'dev', chatModelIds: 'nova-lite,nova-pro', defaultModelId: 'nova-micro' }),
    ).toEqual({
      defaultModelId:
        'must be one of chatModelIds (the functions may invoke only those) (got "nova-micro")',
    });
    expect(
      issuesOf({
        stage: 'prod',
        webOrigins: 'https://app.example.com',
        authCallbackUrls: 'https://app.example.com/cb,http://localhost:5173/cb',
        authLogoutUrls: 'http://localhost:5173/',
      }),
    ).toEqual({
      authCallbackUrls: expect.stringContaining("https:// URLs for stage 'prod'"),
      authLogoutUrls: expect.stringContaining("https:// URLs for stage 'prod'"),
    });
  });
});

describe('parseStageConfig: web', () => {
  const certificate =
    'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

  it('serves from edge locations in Korea and Japan by default, on the CloudFront domain', () => {
    const config = parseStageConfig({ stage: 'dev' });

    expect(config.webPriceClass).toBe('200');
    expect(config.webDomainName).toBeUndefined();
    expect(config.webOrigins).toEqual(['http://localhost:5173']);
  });

  it('makes a custom domain the web origin of sign-in, CORS and redirects, in one deployment', () => {
    const config = parseStageConfig({
      stage: 'prod',
      webDomainName: 'chat.example.com',
      webCertificateArn: certificate,
      webPriceClass: 'all',
    });

    expect(config).toMatchObject({
      webOrigins: ['https://chat.example.com'],
      authCallbackUrls: ['https://chat.example.com/auth/callback'],
      authLogoutUrls: ['https://chat.example.com/'],
      webPriceClass: 'all',
    });
  });

  it('adds the custom domain to listed origins once', () => {
    const config = parseStageConfig({
      stage: 'dev',
      webOrigins: 'http://localhost:5173,https://chat.example.com',
      webDomainName: 'chat.example.com',
      webCertificateArn: certificate,
    });

    expect(config.webOrigins).toEqual(['http://localhost:5173', 'https://chat.example.com']);
  });

  it('reports a bad domain, a certificate outside us-east-1 and an unknown price class', () => {
    expect(
      issuesOf({
        stage: 'dev',
        webDomainName: 'https://Chat.example.com/',
        webCertificateArn: certificate.replace('us-east-1', 'eu-west-1'),
        webPriceClass: '300',
      }),
    ).toEqual({
      webDomainName: expect.stringContaining('host name such as chat.example.com'),
      webCertificateArn: expect.stringContaining('in us-east-1'),
      webPriceClass: expect.any(String),
    });
  });

  it('wants the domain and its certificate together', () => {
    expect(issuesOf({ stage: 'dev', webDomainName: 'chat.example.com' })).toEqual({
      webCertificateArn: expect.stringContaining('must be set together'),
    });
    expect(issuesOf({ stage: 'dev', webCertificateArn: certificate })).toEqual({
      webDomainName: expect.stringContaining('must be set together'),
    });
  });

  it('still wants https:// origins in prod next to the custom domain', () => {
    expect(
      issuesOf({
        stage: 'prod',
        webOrigins: 'http://localhost:5173',
        webDomainName: 'chat.example.com',
        webCertificateArn: certificate,
      }),
    ).toEqual({ webOrigins: expect.stringContaining("https:// origins for stage 'prod'") });
  });
});

describe('readStageConfig', () => {
  it('reads its own keys from CDK context and nothing else', () => {
    const context: Record<string, unknown> = {
      stage: 'dev',
      natGateways: '1',
      '@aws-cdk/core:checkSecretUsage': true,
      'cli-telemetry': false,
    };
    const asked: string[] = [];

    const config = readStageConfig((key) => {
      asked.push(key);
      return context[key];
    });

    expect(config.natGateways).toBe(1);
    expect(asked).toContain('stage');
    expect(asked).not.toContain('cli-telemetry');
  });
});
