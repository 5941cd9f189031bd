import { Match, Template } from 'aws-cdk-lib/assertions';

import { buildApp, createApp } from '../app';
import { parseStageConfig, type StageConfigInput } from '../stage-config';

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;

// Built-in CloudFormation validation and Lambda bundling run in app.spec.ts; these assertions
// only need the database template.
function synthDatabase(input: StageConfigInput): Template {
  const { database } = buildApp(
    parseStageConfig(input),
    createApp({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    }),
  );
  return Template.fromStack(database);
}

function only(template: Template, type: string): [string, Resource] {
  const entries = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Resource];
}

describe('DatabaseStack (dev defaults)', () => {
  let template: Template;
  let cluster: Resource;

  beforeAll(() => {
    template = synthDatabase({ stage: 'dev' });
    [, cluster] = only(template, 'AWS::RDS::DBCluster');
  });

  it('runs Aurora PostgreSQL 16 Serverless v2, able to scale to zero', () => {
    expect(cluster.Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: expect.stringMatching(/^16\./),
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4 },
      DatabaseName: 'lgm',
      Port: 5432,
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      PubliclyAccessible: false,
    });
  });

  it('encrypts storage, enables IAM authentication and exports the PostgreSQL log', () => {
    expect(cluster.Properties).toMatchObject({
      StorageEncrypted: true,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql'],
    });
    // The AWS managed RDS key when the stage has no customer managed one.
    expect(cluster.Properties['KmsKeyId']).toBeUndefined();
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/rds/cluster/lgm-dev/postgresql',
      RetentionInDays: 30,
    });
  });

  it('keeps the credentials in a generated secret, rotated every 30 days', () => {
    const [secretId] = only(template, 'AWS::SecretsManager::Secret');
    expect(JSON.stringify(cluster.Properties['MasterUserPassword'])).toContain(secretId);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  it('lives in the data subnets behind a group that admits only its rotation function', () => {
    const [, subnetGroup] = only(template, 'AWS::RDS::DBSubnetGroup');
    const subnets = subnetGroup.Properties['SubnetIds'] as unknown[];
    expect(subnets).toHaveLength(2);
    for (const subnet of subnets) expect(JSON.stringify(subnet)).toMatch(/dataSubnet/);

    const groups = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^Aurora') },
    });
    const [groupId, group] = Object.entries(groups)[0] as [string, Resource];
    // No inline ingress, and egress only CDK's placeholder that allows nothing.
    expect(group.Properties['SecurityGroupIngress']).toBeUndefined();
    expect(group.Properties['SecurityGroupEgress']).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32' }),
    ]);
    const ingress = Object.values(
      template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] } },
      }),
    ) as Resource[];
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.Properties).toMatchObject({
      SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/Rotation/), 'GroupId'] },
    });
    expect(ingress[0]?.Properties['CidrIp']).toBeUndefined();
  });

  it('is disposable in dev: no deletion protection, one day of backups, deleted with the stack', () => {
    expect(cluster.Properties).toMatchObject({
      DeletionProtection: false,
      BackupRetentionPeriod: 1,
    });
    expect(cluster['DeletionPolicy']).toBe('Delete');
  });
});

describe('DatabaseStack (prod, customer managed key)', () => {
  let template: Template;
  let cluster: Resource;

  beforeAll(() => {
    template = synthDatabase({
      stage: 'prod',
      encryption: 'customer-managed',
      webOrigins: 'https://app.example.com',
    });
    [, cluster] = only(template, 'AWS::RDS::DBCluster');
  });

  it('encrypts with the stage key from the data stack', () => {
    expect(JSON.stringify(cluster.Properties['KmsKeyId'])).toMatch(/DataKey/);
  });

  it('protects the cluster, keeps two weeks of backups and snapshots it on deletion', () => {
    expect(cluster.Properties).toMatchObject({
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 16 },
    });
    expect(cluster['DeletionPolicy']).toBe('Snapshot');
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });
});
