import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IVpc, SecurityGroup, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** ajv and its dependencies, shipped beside chat bundles (see tools/scripts/bundle.mjs). */
const AJV_PACKAGES = [
  'ajv',
  'ajv-formats',
  'fast-deep-equal',
  'fast-uri',
  'json-schema-traverse',
  'require-from-string',
];

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

// CommonJS dependencies inside an ES module bundle still call require() for Node built-ins
// (the same banner as tools/scripts/bundle.mjs).
const ESM_REQUIRE_BANNER =
  "import { createRequire as __lgmCreateRequire } from 'node:module'; const require = __lgmCreateRequire(import.meta.url);";

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
        // The same lists as tools/scripts/bundle.mjs for Lambda entries: the SDK comes with the
        // runtime; pdfjs and the optional ONNX runtime are never loaded by these services;
        // fastify's JSON-schema compilers are never loaded (server-kit supplies zod compilers);
        // ajv, which the MCP SDK imports, is copied beside the bundle to keep it under 1 MB.
        externalModules: [
          '@aws-sdk/*',
          '@smithy/*',
          'pdfjs-dist',
          '@huggingface/transformers',
          'onnxruntime-node',
          'sharp',
          '@fastify/ajv-compiler',
          '@fastify/fast-json-stringify-compiler',
          ...AJV_PACKAGES,
        ],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // Copied from the workspace, offline, like doc-ingestor's pdfjs.
          afterBundling: (inputDir: string, outputDir: string) =>
            AJV_PACKAGES.map(
              (name) =>
                `mkdir -p "${outputDir}/node_modules" && cp -R "${inputDir}/node_modules/${name}" "${outputDir}/node_modules/"`,
            ),
        },
        tsconfig: `${root}/tsconfig.base.json`,
        esbuildArgs: { '--legal-comments': 'none' },
      },
    });
  }
}
