import { Match, Template } from 'aws-cdk-lib/assertions';

import { buildApp, createApp } from '../app';
import { parseStageConfig, type StageConfigInput } from '../stage-config';
import { NetworkStack } from './network-stack';

type Resources = Record<string, { Properties: Record<string, unknown> }>;

// aws-cdk-lib's built-in CloudFormation validation costs ~10 s per test file and bundling the
// Lambdas a few more; app.spec.ts does both on the whole app, these assertions only need the
// templates.
const fastApp = () =>
  createApp({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

function synthNetwork(input: StageConfigInput): Template {
  const { network } = buildApp(parseStageConfig(input), fastApp());
  return Template.fromStack(network);
}

/** `Fn::Join` of literals and `{ Ref: 'AWS::Region' }` as one string, e.g. `com.amazonaws.${Region}.s3`. */
function serviceNameOf(resource: { Properties: Record<string, unknown> }): string {
  const name = resource.Properties['ServiceName'];
  if (typeof name === 'string') return name;
  const [, parts] = (name as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts
    .map((part) =>
      typeof part === 'string'
        ? part
        : `\${${String((part as { Ref: string }).Ref).replace('AWS::', '')}}`,
    )
    .join('');
}

function subnetIdsOfTier(template: Template, tier: string): string[] {
  const subnets = template.findResources('AWS::EC2::Subnet', {
    Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: tier }]) },
  });
  return Object.keys(subnets);
}

describe('NetworkStack (dev defaults)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthNetwork({ stage: 'dev' });
  });

  it('builds one VPC over 2 Availability Zones with public, application and data subnets', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.40.0.0/16' });

    const subnets = template.findResources('AWS::EC2::Subnet') as Resources;
    const zones = new Set(
      Object.values(subnets).map((subnet) => JSON.stringify(subnet.Properties['AvailabilityZone'])),
    );
    expect(Object.keys(subnets)).toHaveLength(6);
    expect(zones.size).toBe(2);
    for (const tier of ['public', 'application', 'data']) {
      expect(subnetIdsOfTier(template, tier)).toHaveLength(2);
    }
    // Found without a context lookup: the zones come from Fn::GetAZs at deploy time.
    expect([...zones].every((zone) => zone.includes('Fn::GetAZs'))).toBe(true);
  });

  it('has one NAT gateway for the application subnets, and none for the data subnets', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const defaultRoutes = Object.values(
      template.findResources('AWS::EC2::Route', {
        Properties: { DestinationCidrBlock: '0.0.0.0/0' },
      }) as Resources,
    );
    // Two public subnets to the internet gateway, two application subnets to the NAT gateway.
    expect(defaultRoutes.filter((route) => 'GatewayId' in route.Properties)).toHaveLength(2);
    expect(defaultRoutes.filter((route) => 'NatGatewayId' in route.Properties)).toHaveLength(2);
    expect(defaultRoutes).toHaveLength(4);
    template.hasResourceProperties('AWS::EC2::Subnet', {
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]),
    });
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 0);
  });

  it('logs every flow of the VPC to CloudWatch Logs', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('restricts the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  it('reaches S3 and DynamoDB through gateway endpoints on every route table', () => {
    const gateways = template.findResources('AWS::EC2::VPCEndpoint', {
      Properties: { VpcEndpointType: 'Gateway' },
    }) as Resources;
    expect(Object.values(gateways).map(serviceNameOf).sort()).toEqual([
      'com.amazonaws.${Region}.dynamodb',
      'com.amazonaws.${Region}.s3',
    ]);
    const routeTables = Object.keys(template.findResources('AWS::EC2::RouteTable'));
    for (const gateway of Object.values(gateways)) {
      const tables = (gateway.Properties['RouteTableIds'] as { Ref: string }[]).map((t) => t.Ref);
      expect(tables.sort()).toEqual([...routeTables].sort());
    }
  });

  it('has interface endpoints for the services the workloads call, in the application subnets', () => {
    const interfaces = template.findResources('AWS::EC2::VPCEndpoint', {
      Properties: { VpcEndpointType: 'Interface' },
    }) as Resources;
    expect(Object.values(interfaces).map(serviceNameOf).sort()).toEqual(
      [
        'com.amazonaws.${Region}.bedrock-runtime',
        'com.amazonaws.${Region}.secretsmanager',
        'com.amazonaws.${Region}.logs',
        'com.amazonaws.${Region}.ecr.api',
        'com.amazonaws.${Region}.ecr.dkr',
        'com.amazonaws.${Region}.sqs',
        'com.amazonaws.${Region}.sts',
        'com.amazonaws.${Region}.xray',
      ].sort(),
    );
    const applicationSubnets = subnetIdsOfTier(template, 'application').sort();
    const securityGroups = Object.keys(template.findResources('AWS::EC2::SecurityGroup'));
    expect(securityGroups).toHaveLength(1);
    for (const endpoint of Object.values(interfaces)) {
      expect(endpoint.Properties['PrivateDnsEnabled']).toBe(true);
      const subnets = (endpoint.Properties['SubnetIds'] as { Ref: string }[]).map((s) => s.Ref);
      expect(subnets.sort()).toEqual(applicationSubnets);
      expect(endpoint.Properties['SecurityGroupIds']).toEqual([
        { 'Fn::GetAtt': [securityGroups[0], 'GroupId'] },
      ]);
    }
  });

  it('admits only HTTPS from inside the VPC to the interface endpoints', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.40.0.0/16' },
      ],
      // aws-cdk-lib's placeholder rule for "no outbound traffic at all".
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });
});

describe('NetworkStack without NAT (the stage config asks for at least one)', () => {
  it('keeps the application subnets isolated: only the public subnets route to the internet', () => {
    const app = fastApp();
    const network = new NetworkStack(app, 'Isolated', {
      config: { ...parseStageConfig({ stage: 'dev' }), natGateways: 0 },
    });
    const template = Template.fromStack(network);

    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const defaultRoutes = template.findResources('AWS::EC2::Route', {
      Properties: { DestinationCidrBlock: '0.0.0.0/0' },
    }) as Resources;
    expect(Object.values(defaultRoutes)).toHaveLength(2);
    for (const route of Object.values(defaultRoutes)) {
      expect(route.Properties).toHaveProperty('GatewayId');
    }
    expect(subnetIdsOfTier(template, 'application')).toHaveLength(2);
    template.resourcePropertiesCountIs(
      'AWS::EC2::Subnet',
      { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Isolated' }]) },
      4,
    );
  });
});

describe('NetworkStack with NAT gateways', () => {
  it.each([1, 2])(
    'with natGateways=%i gives the application subnets egress through NAT',
    (count) => {
      const template = synthNetwork({ stage: 'dev', natGateways: String(count) });

      template.resourceCountIs('AWS::EC2::NatGateway', count);
      const natRoutes = template.findResources('AWS::EC2::Route', {
        Properties: { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: Match.anyValue() },
      }) as Resources;
      // One default route per application subnet; the data subnets never get one.
      expect(Object.keys(natRoutes)).toHaveLength(2);
      for (const tier of ['application', 'data']) {
        expect(subnetIdsOfTier(template, tier)).toHaveLength(2);
      }
      template.hasResourceProperties('AWS::EC2::Subnet', {
        Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Private' }]),
      });
    },
  );
});

describe('NetworkStack with a concrete environment', () => {
  it('uses the configured zones and needs no context lookup', () => {
    const { app, network } = buildApp(
      parseStageConfig({
        stage: 'prod',
        account: '123456789012',
        region: 'eu-west-1',
        availabilityZones: 'eu-west-1a,eu-west-1b',
        webOrigins: 'https://app.example.com',
      }),
      fastApp(),
    );

    const assembly = app.synth();
    const zones = Object.values(
      Template.fromStack(network).findResources('AWS::EC2::Subnet') as Resources,
    ).map((subnet) => subnet.Properties['AvailabilityZone']);

    expect(new Set(zones)).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });
});
