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

describe('parseStageConfig', () => {
  it('gives a dev stage no NAT gateway, disposable data and the local web origin', () => {
    const config = parseStageConfig({ stage: 'dev' });

    expect(config).toMatchObject({
      stage: 'dev',
      isProduction: false,
      natGateways: 0,
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
    expect(issues['natGateways']).toMatch(/between 0 and 2.*\(got "3"\)/);
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
        { key: 'natGateways', message: 'Too small: expected number to be >=0 (got "-1")' },
      ]),
    );
    try {
      parseStageConfig({ natGateways: '-1' });
    } catch (error) {
      expect((error as Error).message).toBe(
        'Invalid stage configuration (CDK context):\n' +
          '  - stage: is required: pass -c stage=<name>, e.g. -c stage=dev\n' +
          '  - natGateways: Too small: expected number to be >=0 (got "-1")',
      );
    }
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
