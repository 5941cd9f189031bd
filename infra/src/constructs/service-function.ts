import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IVpc, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { lambdaBundling } from './lambda-bundling';

/** Where a {@link ServiceFunction} runs when it needs the VPC (the database, the endpoints). */
export interface ServiceFunctionNetwork {
  readonly vpc: IVpc;
  /** The application tier: the VPC endpoints, the database next door, NAT for the rest. */
  readonly subnets: SubnetSelection;
}

/** Properties of {@link ServiceFunction}. */
export interface ServiceFunctionProps {
  /** Names the role, security group and logs, e.g. `chat-api`. */
  readonly serviceName: string;
  /** Absolute path of the Lambda entry file (a `.ts` exporting `handler`). */
  readonly entry: string;
  /** The Nx workspace root: esbuild resolves `@lgm/*` from its tsconfig and lock file. */
  readonly projectRoot: string;
  /** In the VPC with its own security group when set; outside any VPC otherwise. */
  readonly network?: ServiceFunctionNetwork;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Set on top of the runtime settings (NODE_OPTIONS) this construct adds. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One Lambda entry of an LGM app, bundled by esbuild the way DocIngestorFunction bundles
 * doc-ingestor (ESM, minified, source maps; the AWS SDK v3 comes with the runtime), on arm64 with
 * X-Ray tracing, JSON logs in its own log group with a retention, and a role that starts with only
 * its own logs (plus the network interfaces of a VPC function); callers grant the rest.
 *
 * Tests skip the bundling with the `aws:cdk:bundling-stacks` context (`[]`): the template is the
 * same, with a placeholder asset.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Present when the function runs in the VPC. */
  readonly securityGroup: SecurityGroup | undefined;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const { network, serviceName } = props;

    const securityGroup = network
      ? new SecurityGroup(this, 'SecurityGroup', {
          vpc: network.vpc,
          description: `${serviceName} Lambda`,
          // Egress reaches the VPC endpoints, the database and, through NAT, the internet
          // (identity provider keys, the WebSocket management API, MCP servers).
          allowAllOutbound: true,
        })
      : undefined;
    this.securityGroup = securityGroup;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    const runtimeStatements = [
      // Instead of AWSLambdaBasicExecutionRole: logs only to its own group.
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}:log-stream:*`],
      }),
    ];
    if (network) {
      // Lambda manages a VPC function's network interfaces with the function's role; these EC2
      // actions support no resource-level scoping (instead of AWSLambdaVPCAccessExecutionRole).
      runtimeStatements.push(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${serviceName} Lambda`,
      inlinePolicies: { runtime: new PolicyDocument({ statements: runtimeStatements }) },
    });

    const root = props.projectRoot;
    this.function = new NodejsFunction(this, 'Function', {
      description: `LGM ${serviceName}`,
      entry: props.entry,
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: `${root}/package-lock.json`,
      // The newest Node.js runtime Lambda offers (cdk-nag L1); the bundle targets Node 22 syntax
      // like doc-ingestor's, so it also runs on the previous runtime.
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      ...(network && securityGroup
        ? { vpc: network.vpc, vpcSubnets: network.subnets, securityGroups: [securityGroup] }
        : {}),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: lambdaBundling(root, ['ajv']),
    });
  }
}
