import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  CfnOutput,
  DefaultStackSynthesizer,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IWebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import { AccessLogsBucket } from '../constructs/access-logs-bucket';
import { WEB_CLIENT_SCOPES } from '../constructs/app-user-pool';
import {
  buildContentSecurityPolicy,
  type WebAppOrigins,
} from '../constructs/content-security-policy';
import { SecureBucket } from '../constructs/secure-bucket';
import { WebDistribution } from '../constructs/web-distribution';
import { type WebRuntimeConfig, WebSiteDeployment } from '../constructs/web-site-deployment';
import { iam5FindingId } from '../nag-findings';
import { type StageConfig, WEB_AUTH_CALLBACK_PATH } from '../stage-config';

/** Where `nx run web:build` writes the app, relative to the workspace root. */
export const WEB_BUILD_DIRECTORY = 'dist/apps/web';

/** Deployed instead of the app when it was not built before synth (tests, a bare `cdk synth`). */
export const WEB_PLACEHOLDER_DIRECTORY = 'infra/src/web-placeholder';

/**
 * The built web app when there is one (it has an index.html), the placeholder page otherwise.
 *
 * @param root the workspace root.
 */
export function webSiteDirectory(root: string): string {
  const built = join(root, WEB_BUILD_DIRECTORY);
  return existsSync(join(built, 'index.html')) ? built : join(root, WEB_PLACEHOLDER_DIRECTORY);
}

/** Properties of {@link WebStack}. */
export interface WebStackProps extends StackProps {
  readonly config: StageConfig;
  /** The built app (see {@link webSiteDirectory}). */
  readonly siteDirectory: string;
  /** The chat stack's REST API (chat-api). */
  readonly restApi: RestApi;
  /** The chat stack's WebSocket stage (ws-gateway). */
  readonly socketStage: IWebSocketStage;
  /** The user pool's issuer URL (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  readonly issuerUrl: string;
  /** The hosted sign-in (`https://<prefix>.auth.<region>.amazoncognito.com`). */
  readonly hostedDomainUrl: string;
  readonly webClient: IUserPoolClient;
  /** Exports of the buckets' names ({@link DataStack.documentsBucketNameExport}, …). */
  readonly documentsBucketNameExport: string;
  readonly artifactsBucketNameExport: string;
}

/**
 * The web app on AWS (ARCHITECTURE §1, Web front end): the built single-page app in a private
 * bucket behind CloudFront ({@link WebDistribution}), and its runtime configuration generated as
 * `config.json` from the other stacks' outputs ({@link WebSiteDeployment}).
 *
 * The app's origin must be one of the stage's web origins, which the sign-in redirects, the
 * API's CORS and the documents bucket's CORS allow. With `webDomainName` it is known at synth
 * time and added by itself. Without it the origin is CloudFront's `https://<id>.cloudfront.net`,
 * known only once the distribution exists: deploy, add the `WebUrl` output to `webOrigins`,
 * and deploy again (the distribution keeps its domain). The other stacks cannot take it from
 * this one: this stack reads their outputs, so the reverse would be a dependency cycle.
 */
export class WebStack extends Stack {
  readonly siteBucket: SecureBucket;
  readonly logsBucket: AccessLogsBucket;
  readonly web: WebDistribution;
  readonly deployment: WebSiteDeployment;
  /** The origins the Content-Security-Policy allows besides the app's own. */
  readonly origins: WebAppOrigins;
  /** `https://<webDomainName>` or `https://<id>.cloudfront.net`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy =
      config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.logsBucket = new AccessLogsBucket(this, 'Logs', {
      expireAfterDays: config.isProduction ? 365 : 90,
      cloudFrontLogs: true,
      removalPolicy,
    });
    // SSE-S3: origin access control reads it without a key policy for CloudFront, and the files
    // are public by nature (anyone may load the app).
    this.siteBucket = new SecureBucket(this, 'Site', {
      accessLogsBucket: this.logsBucket.bucket,
      accessLogsPrefix: 'site/',
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      removalPolicy,
    });

    // Presigned URLs are virtual-hosted and regional, as the SDK writes them:
    // https://<bucket>.s3.<region>.amazonaws.com/<key>?X-Amz-…
    const bucketOrigin = (exportName: string) =>
      `https://${Fn.importValue(exportName)}.s3.${this.region}.${this.urlSuffix}`;
    const executeApi = (scheme: string, apiId: string) =>
      `${scheme}://${apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    this.origins = {
      api: executeApi('https', props.restApi.restApiId),
      socket: executeApi('wss', props.socketStage.api.apiId),
      issuer: `https://cognito-idp.${this.region}.${this.urlSuffix}`,
      signIn: props.hostedDomainUrl,
      uploads: bucketOrigin(props.documentsBucketNameExport),
      downloads: bucketOrigin(props.artifactsBucketNameExport),
    };

    this.web = new WebDistribution(this, 'Web', {
      comment: `LGM ${config.stage}: web app`,
      siteBucket: this.siteBucket.bucket,
      logBucket: this.logsBucket.bucket,
      logPrefix: 'cloudfront/',
      contentSecurityPolicy: buildContentSecurityPolicy(this.origins),
      priceClass: config.webPriceClass,
      domain:
        config.webDomainName !== undefined && config.webCertificateArn !== undefined
          ? { domainName: config.webDomainName, certificateArn: config.webCertificateArn }
          : undefined,
    });
    const distribution = this.web.distribution;
    this.url =
      config.webDomainName !== undefined
        ? `https://${config.webDomainName}`
        : `https://${distribution.distributionDomainName}`;

    const apiUrl = props.restApi.url;
    const runtimeConfig: WebRuntimeConfig = {
      apiUrl,
      wsUrl: props.socketStage.url,
      services: { 'chat-api': apiUrl },
      auth: {
        authority: props.issuerUrl,
        clientId: props.webClient.userPoolClientId,
        redirectPath: WEB_AUTH_CALLBACK_PATH,
        scope: WEB_CLIENT_SCOPES.map((scope) => scope.scopeName).join(' '),
        // Cognito's discovery has no end_session_endpoint: the hosted domain's /logout ends the
        // Cognito session (it takes client_id and logout_uri, one of the client's logout URLs).
        signOutUrl: `${props.hostedDomainUrl}/logout`,
      },
    };
    this.deployment = new WebSiteDeployment(this, 'Deployment', {
      siteDirectory: props.siteDirectory,
      bucket: this.siteBucket.bucket,
      runtimeConfig,
      logRetention: config.logRetentionDays as RetentionDays,
      removalPolicy,
    });

    new CfnOutput(this, 'WebUrl', {
      description:
        config.webDomainName !== undefined
          ? 'URL of the web app'
          : 'URL of the web app: add it to webOrigins (-c webOrigins=...) and deploy again, so sign-in and the APIs accept it',
      value: this.url,
    });
    new CfnOutput(this, 'DistributionDomainName', {
      description: 'Domain of the CloudFront distribution (the target of a custom domain)',
      value: distribution.distributionDomainName,
    });
    new CfnOutput(this, 'DistributionId', {
      description: 'Id of the CloudFront distribution',
      value: distribution.distributionId,
    });
    new CfnOutput(this, 'SiteBucketName', {
      description: 'Bucket holding the built web app',
      value: this.siteBucket.bucket.bucketName,
    });

    this.acknowledgeFindings(config);
  }

  /** The bootstrap's file asset bucket (`cdk-<qualifier>-assets-<account>-<region>`). */
  private assetBucketName(): string {
    const qualifier =
      this.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    return `cdk-${qualifier}-assets-${this.account}-${this.region}`;
  }

  /** The cdk-nag findings this stack accepts, each with its reason. */
  private acknowledgeFindings(config: StageConfig): void {
    const distribution = this.web.distribution;
    Validations.of(distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason:
          'No geo restriction: the assistant is offered wherever its users are, and the ' +
          'distribution serves only the static app, which holds no user data (the APIs check ' +
          'every request for a signed-in user).',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'No web ACL on the distribution: it serves only the static files of the app from a ' +
          'private bucket, read-only (GET and HEAD). The REST API that handles user data has ' +
          'its own firewall option (wafEnabled), and a CloudFront web ACL would have to live ' +
          'in us-east-1 whatever the stage region.',
      },
    );
    if (config.webDomainName === undefined) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          `Stage ${config.stage} has no custom domain, so viewers reach CloudFront's own ` +
          '*.cloudfront.net certificate, whose minimum protocol CloudFront fixes and no ' +
          'distribution can raise; modern browsers negotiate TLS 1.2 or 1.3 there anyway. ' +
          'Setting webDomainName and webCertificateArn serves the app with TLSv1.2_2021.',
      });
    }

    // CDK's BucketDeployment handler: a Lambda function that runs for a few seconds per
    // deployment and copies the build from the CDK asset bucket into the site bucket.
    const handler = this.node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) return;
    const site = this.siteBucket.bucket;
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's own bucket-deployment handler (a deploy-time custom resource that runs a few " +
          'seconds per deployment) ships with the basic execution role to write its logs.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason:
          "CDK's bucket-deployment handler reads the CDK asset bucket's and the site bucket's " +
          'location and versioning with the GetBucket* group CDK grants; only those two buckets.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason:
          "CDK's bucket-deployment handler downloads the app's build from the CDK asset bucket " +
          'and reads objects of the site bucket while it syncs; only those two buckets.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:List*]',
        reason:
          "CDK's bucket-deployment handler lists the site bucket to find files to replace or " +
          'prune, and the asset bucket for the build; only those two buckets.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:Abort*]',
        reason:
          "CDK's bucket-deployment handler may abort its own multipart uploads of large files " +
          'into the site bucket; that bucket only.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        reason:
          "CDK's bucket-deployment handler deletes files of earlier builds from the site bucket " +
          '(pruning, outside assets/); that bucket only.',
      },
      {
        id: iam5FindingId(this, `${site.bucketArn}/*`),
        reason:
          'Every object of the site bucket: the deployment writes whatever files the build ' +
          'produced, whose content-hashed names change with every build.',
      },
      {
        id: iam5FindingId(this, `arn:${this.partition}:s3:::${this.assetBucketName()}/*`),
        reason:
          "Objects of the CDK bootstrap's asset bucket, read-only: the deployment downloads the " +
          "build's zip from it, whose name (a content hash) changes with every build.",
      },
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'CDK chooses the runtime of its bucket-deployment handler (it ships the AWS CLI for ' +
          'that runtime) and moves it forward with aws-cdk-lib; the function runs only during ' +
          'deployments and serves no requests.',
      },
    );
  }
}
