import type { RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/**
 * What the web app reads from `/config.json` (`runtimeConfigSchema` in
 * apps/web/src/runtime-config.ts); values may be deploy-time tokens.
 */
export interface WebRuntimeConfig {
  /** Base URL of the REST API (chat-api). */
  readonly apiUrl: string;
  /** URL of the WebSocket API (ws-gateway). */
  readonly wsUrl: string;
  /** Base URLs whose `GET <url>/health` the status panel checks. */
  readonly services: Readonly<Record<string, string>>;
  readonly auth: {
    /** The OIDC issuer (the user pool). */
    readonly authority: string;
    /** The web app's client id. */
    readonly clientId: string;
    readonly redirectPath: string;
    readonly scope: string;
    /** Cognito's hosted-domain logout endpoint. */
    readonly signOutUrl: string;
  };
}

/** The runtime configuration's object key, beside index.html. */
export const RUNTIME_CONFIG_KEY = 'config.json';

/** Browsers and the edge keep content-hashed files for a year, without asking again. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Properties of {@link WebSiteDeployment}. */
export interface WebSiteDeploymentProps {
  /** The built app: index.html and its content-hashed files under assets/. */
  readonly siteDirectory: string;
  readonly bucket: IBucket;
  /** Written as config.json: never baked into the bundle, so one build serves every stage. */
  readonly runtimeConfig: WebRuntimeConfig;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Copies the built web app and its generated `config.json` into the site bucket at deploy time
 * (CDK's BucketDeployment custom resource), in two steps:
 *
 * 1. `assets/` with `Cache-Control: public, max-age=31536000, immutable`. Files of earlier
 *    deployments stay (no pruning): a tab opened before a deployment still loads the chunks of
 *    its own build when it navigates to a page it has not loaded yet.
 * 2. then everything else (index.html, the icon) and config.json with `Cache-Control: no-cache`,
 *    pruning what the build no longer has (outside assets/).
 *
 * Source maps are left out: they would publish the sources; the build keeps them for debugging.
 */
export class WebSiteDeployment extends Construct {
  readonly assets: BucketDeployment;
  readonly pages: BucketDeployment;
  /** The config.json content, with deploy-time values as tokens. */
  readonly runtimeConfig: WebRuntimeConfig;

  constructor(scope: Construct, id: string, props: WebSiteDeploymentProps) {
    super(scope, id);
    this.runtimeConfig = props.runtimeConfig;

    // One log group for the handler both deployments share (CDK's singleton function).
    const logGroup = new LogGroup(this, 'HandlerLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // A config.json of the build (apps/web/public/config.json, for the Vite dev server) would
    // point at someone's local services: only the generated one is deployed.
    const site = Source.asset(props.siteDirectory, {
      exclude: ['**/*.map', RUNTIME_CONFIG_KEY],
    });
    const common = {
      destinationBucket: props.bucket,
      logGroup,
      // The response would otherwise list every key, and CloudFormation limits its size.
      outputObjectKeys: false,
      memoryLimit: 512,
    };

    this.assets = new BucketDeployment(this, 'Assets', {
      ...common,
      sources: [site],
      exclude: ['*'],
      include: ['assets/*'],
      prune: false,
      cacheControl: [CacheControl.fromString(IMMUTABLE_CACHE_CONTROL)],
    });

    this.pages = new BucketDeployment(this, 'Pages', {
      ...common,
      sources: [site, Source.jsonData(RUNTIME_CONFIG_KEY, props.runtimeConfig)],
      // Excluded files are also spared by pruning: the assets of step 1 stay.
      exclude: ['assets/*'],
      prune: true,
      cacheControl: [CacheControl.noCache()],
    });
    // index.html must never name a chunk that is not there yet.
    this.pages.node.addDependency(this.assets);
  }
}
