import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  IpAddresses,
  type IVpc,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Properties of {@link AppVpc}. */
export interface AppVpcProps {
  /** IPv4 block of the VPC, e.g. `10.40.0.0/16`. */
  readonly cidr: string;
  /** How many Availability Zones the VPC spans. */
  readonly azCount: number;
  /**
   * NAT gateways (at most one per zone). 0 keeps the application subnets isolated: AWS services
   * are reached through VPC endpoints, and nothing else on the internet is.
   */
  readonly natGateways: number;
  /** Retention of the VPC flow log group. */
  readonly flowLogRetention: RetentionDays;
  /** What happens to the flow log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The VPC of LGM: a public tier (load balancers and, when enabled, NAT gateways), an application
 * tier (Lambdas, Fargate tasks, interface endpoints) and an isolated data tier (Aurora), with every
 * flow logged to CloudWatch Logs.
 */
export class AppVpc extends Construct {
  readonly vpc: IVpc;
  /** Where Lambdas, Fargate tasks and interface endpoints run. */
  readonly applicationSubnets: SubnetSelection;
  /** Where databases run: never a route to the internet, even when NAT is enabled. */
  readonly dataSubnets: SubnetSelection;

  constructor(scope: Construct, id: string, props: AppVpcProps) {
    super(scope, id);

    const applicationSubnetType =
      props.natGateways > 0 ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED;

    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(props.cidr),
      maxAzs: props.azCount,
      natGateways: props.natGateways,
      // Every construct gets its own security group; the default one must allow nothing.
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        // Nothing launched here needs a public address of its own (load balancers and NAT
        // gateways get theirs explicitly).
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'application', subnetType: applicationSubnetType, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    const flowLogGroup = new LogGroup(this, 'FlowLogGroup', {
      retention: props.flowLogRetention,
      removalPolicy: props.removalPolicy,
    });
    vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: FlowLogTrafficType.ALL,
    });

    this.vpc = vpc;
    this.applicationSubnets = { subnetGroupName: 'application' };
    this.dataSubnets = { subnetGroupName: 'data' };
  }
}
