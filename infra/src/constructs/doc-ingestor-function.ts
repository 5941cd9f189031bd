import { join } from 'node:path';

import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IVpc, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { workspaceRoot } from '../workspace';

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

// CommonJS dependencies inside an ES module bundle still call require() for Node built-ins
// (the same banner as tools/scripts/bundle.mjs).
const ESM_REQUIRE_BANNER =
  "import { createRequire as __lgmCreateRequire } from 'node:module'; const require = __lgmCreateRequire(import.meta.url);";

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
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        // The same lists as tools/scripts/bundle.mjs: the SDK comes with the runtime, pdfjs is
        // shipped beside the bundle (below), the optional ONNX runtime is never deployed here.
        externalModules: [
          '@aws-sdk/*',
          '@smithy/*',
          'pdfjs-dist',
          '@huggingface/transformers',
          'onnxruntime-node',
          'sharp',
        ],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // pdfjs is 3.3 MB of ES modules esbuild cannot shrink; copy just what the parser loads
          // (no maps, no viewer, no sandbox) from the workspace, offline.
          afterBundling: (inputDir: string, outputDir: string) => {
            const from = `${inputDir}/node_modules/pdfjs-dist`;
            const to = `${outputDir}/node_modules/pdfjs-dist`;
            return [
              `mkdir -p "${to}/legacy/build"`,
              `cp "${from}/package.json" "${to}/"`,
              `cp "${from}/legacy/build/pdf.mjs" "${from}/legacy/build/pdf.worker.mjs" "${to}/legacy/build/"`,
              `cp -R "${from}/cmaps" "${from}/standard_fonts" "${to}/"`,
            ];
          },
        },
        tsconfig: join(root, 'tsconfig.base.json'),
        esbuildArgs: { '--legal-comments': 'none' },
      },
    });
  }
}
