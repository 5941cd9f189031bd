import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IVpc, SecurityGroup, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import { AppVpc } from '../constructs/app-vpc';
import { VpcEndpoints } from '../constructs/vpc-endpoints';
import { AZ_COUNT, type StageConfig } from '../stage-config';

/** Properties of {@link NetworkStack}. */
export interface NetworkStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The VPC, its subnets, flow logs and the VPC endpoints that replace a NAT gateway. */
export class NetworkStack extends Stack {
  readonly vpc: IVpc;
  readonly applicationSubnets: SubnetSelection;
  readonly dataSubnets: SubnetSelection;
  /** Admits HTTPS to the interface endpoints; workloads need no rule of their own to use them. */
  readonly endpointSecurityGroup: SecurityGroup;

  private readonly configuredAvailabilityZones: readonly string[] | undefined;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.configuredAvailabilityZones = config.availabilityZones;

    const network = new AppVpc(this, 'Network', {
      cidr: config.vpcCidr,
      azCount: AZ_COUNT,
      natGateways: config.natGateways,
      flowLogRetention: config.flowLogRetentionDays as RetentionDays,
      removalPolicy:
        config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const endpoints = new VpcEndpoints(this, 'Endpoints', {
      vpc: network.vpc,
      clientCidr: config.vpcCidr,
      subnets: network.applicationSubnets,
    });

    this.vpc = network.vpc;
    this.applicationSubnets = network.applicationSubnets;
    this.dataSubnets = network.dataSubnets;
    this.endpointSecurityGroup = endpoints.securityGroup;

    if (this.configuredAvailabilityZones) {
      Validations.of(network).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason:
          'The stage config names its Availability Zones on purpose: with a concrete account and ' +
          'region, that is what keeps synth offline (no zone lookup), and the names are per stage.',
      });
    }
  }

  /**
   * The zones named in the stage config when the stack has a concrete environment. The default
   * would look them up in the account (a context lookup that needs credentials), and synth must
   * work offline; without an environment the default yields `Fn::GetAZs` and needs no lookup.
   */
  override get availabilityZones(): string[] {
    return this.configuredAvailabilityZones
      ? [...this.configuredAvailabilityZones]
      : super.availabilityZones;
  }
}
