import { join } from 'node:path';

import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IVpc, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { workspaceRoot } from '../workspace';
import { lambdaBundling } from './lambda-bundling';

/** Properties of {@link DocIngestorFunction}. */
export interface DocIngestorFunctionProps {
  readonly vpc: IVpc;
  /** The application tier: AWS services through the VPC endpoints, the database next door. */
  readonly subnets: SubnetSelection;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** Upper bound of concurrent invocations (database connections and Bedrock throughput). */
  readonly reservedConcurrency: number;
  /** Set on top of the runtime settings (NODE_OPTIONS) this construct adds. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * apps/doc-ingestor's Lambda entry, bundled by esbuild (ESM, minified, source maps; the AWS SDK v3
 * comes with the runtime) and run on arm64 in the VPC with its own security group, X-Ray tracing
 * and a log group with a retention. Its role starts with only what every VPC function needs
 * (logs, network interfaces, traces); callers grant the rest.
 */
export class DocIngestorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly securityGroup: SecurityGroup;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: DocIngestorFunctionProps) {
    super(scope, id);
    const root = workspaceRoot();

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'doc-ingestor Lambda',
      // Its subnets have no route out: egress reaches only the VPC endpoints and the database.
      allowAllOutbound: true,
    });

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'doc-ingestor Lambda',
      // Instead of AWSLambdaBasicExecutionRole / AWSLambdaVPCAccessExecutionRole: logs only to
      // its own group.
      inlinePolicies: {
        runtime: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [`${this.logGroup.logGroupArn}:log-stream:*`],
            }),
            // Lambda manages the function's network interfaces with the function's role;
            // these EC2 actions support no resource-level scoping.
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
          ],
        }),
      },
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(root, 'apps/doc-ingestor/src/lambda.ts'),
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: lambdaBundling(root, ['pdfjs']),
    });
  }
}
