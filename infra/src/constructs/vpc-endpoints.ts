import {
  GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  type IGatewayVpcEndpoint,
  type IInterfaceVpcEndpoint,
  InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** Properties of {@link VpcEndpoints}. */
export interface VpcEndpointsProps {
  readonly vpc: IVpc;
  /**
   * Clients allowed to reach the interface endpoints: the VPC's block, as a literal. (The VPC's
   * `vpcCidrBlock` is a CloudFormation attribute, which cdk-nag cannot evaluate for EC23.)
   */
  readonly clientCidr: string;
  /** Subnets that get an interface endpoint network interface (one per zone). */
  readonly subnets: SubnetSelection;
}

/**
 * The AWS services LGM's Lambdas and Fargate tasks call, reachable without a NAT gateway.
 * Interface endpoints bill per zone and hour, so only services the workloads use are listed.
 */
export const INTERFACE_ENDPOINT_SERVICES = {
  // Converse / ConverseStream and embeddings.
  BedrockRuntime: InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
  SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  // Fargate's awslogs driver and any SDK call to CloudWatch Logs.
  CloudWatchLogs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  // Fargate image pulls: the registry API and the Docker endpoint (layers come through S3).
  EcrApi: InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
  // The chat turn worker queue and the ingestion queue.
  Sqs: InterfaceVpcEndpointAwsService.SQS,
  // Web identity / assume-role flows of the SDK inside tasks.
  Sts: InterfaceVpcEndpointAwsService.STS,
  // The X-Ray daemon of a VPC Lambda sends segments over the network too.
  XRay: InterfaceVpcEndpointAwsService.XRAY,
} as const;

/** Name of one interface endpoint of {@link VpcEndpoints}. */
export type InterfaceEndpointName = keyof typeof INTERFACE_ENDPOINT_SERVICES;

/**
 * Gateway endpoints for S3 and DynamoDB (free, added to every route table) and the interface
 * endpoints of {@link INTERFACE_ENDPOINT_SERVICES}, sharing one security group that admits HTTPS
 * from inside the VPC only.
 */
export class VpcEndpoints extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly s3: IGatewayVpcEndpoint;
  readonly dynamoDb: IGatewayVpcEndpoint;
  readonly interfaceEndpoints: Readonly<Record<InterfaceEndpointName, IInterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    const { vpc } = props;

    this.s3 = new GatewayVpcEndpoint(this, 'S3', {
      vpc,
      service: GatewayVpcEndpointAwsService.S3,
    });
    this.dynamoDb = new GatewayVpcEndpoint(this, 'DynamoDb', {
      vpc,
      service: GatewayVpcEndpointAwsService.DYNAMODB,
    });

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Interface VPC endpoints: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      Peer.ipv4(props.clientCidr),
      Port.tcp(443),
      'HTTPS from the VPC',
    );

    const endpoints: Partial<Record<InterfaceEndpointName, IInterfaceVpcEndpoint>> = {};
    for (const name of Object.keys(INTERFACE_ENDPOINT_SERVICES) as InterfaceEndpointName[]) {
      endpoints[name] = new InterfaceVpcEndpoint(this, name, {
        vpc,
        service: INTERFACE_ENDPOINT_SERVICES[name],
        subnets: props.subnets,
        securityGroups: [this.securityGroup],
        // The shared group above already admits the VPC; `open` would add the same rule again.
        open: false,
        // SDKs keep their default endpoint URLs and resolve them to the endpoint's private IPs.
        privateDnsEnabled: true,
      });
    }
    this.interfaceEndpoints = endpoints as Record<InterfaceEndpointName, IInterfaceVpcEndpoint>;
  }
}
