import { Duration } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachedMethods,
  CachePolicy,
  Distribution,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

import { PERMISSIONS_POLICY } from './content-security-policy';
import { SpaRewriteFunction } from './spa-rewrite-function';

/** Price classes by their stage config name. */
export const PRICE_CLASSES = {
  '100': PriceClass.PRICE_CLASS_100,
  '200': PriceClass.PRICE_CLASS_200,
  all: PriceClass.PRICE_CLASS_ALL,
} as const;

/** Path patterns of the behaviours besides the default one. */
export const ASSETS_PATH_PATTERN = '/assets/*';
export const CONFIG_PATH_PATTERN = '/config.json';

/** A custom domain of the distribution. */
export interface WebDomain {
  readonly domainName: string;
  /** ACM certificate in us-east-1 covering domainName. */
  readonly certificateArn: string;
}

/** Properties of {@link WebDistribution}. */
export interface WebDistributionProps {
  /** Shown in the console. */
  readonly comment: string;
  /** The built single-page app; CloudFront reads it through origin access control. */
  readonly siteBucket: IBucket;
  /** Where CloudFront writes its access logs (a bucket with ACLs enabled). */
  readonly logBucket: IBucket;
  readonly logPrefix: string;
  /** The whole Content-Security-Policy header (see buildContentSecurityPolicy). */
  readonly contentSecurityPolicy: string;
  readonly priceClass: keyof typeof PRICE_CLASSES;
  /** Serve under this name with its certificate; CloudFront's domain and certificate otherwise. */
  readonly domain?: WebDomain;
}

/**
 * CloudFront in front of a private bucket holding a single-page app (ARCHITECTURE §1, Web front
 * end):
 *
 * - the bucket is read through origin access control (SigV4 signed requests that the bucket
 *   policy admits for this distribution only), never through a public or website endpoint;
 * - HTTPS only (HTTP redirects), TLS 1.2 or newer with a custom domain, HTTP/2 and HTTP/3,
 *   compression, IPv6, access logs;
 * - the routes of the app get `index.html` from a viewer-request function (unknown files stay
 *   errors);
 * - `/assets/*` (content-hashed file names) is cached for a year at the edge; everything else
 *   (`index.html`, `config.json`) is revalidated with the bucket on every request, so a
 *   deployment shows at once without invalidations;
 * - every response carries the security headers: HSTS, nosniff, no framing, a strict referrer
 *   policy, a permissions policy and the Content-Security-Policy.
 */
export class WebDistribution extends Construct {
  readonly distribution: Distribution;
  readonly headersPolicy: ResponseHeadersPolicy;
  readonly rewrite: SpaRewriteFunction;
  /** `/assets/*`: a year at the edge, the files' names change with their content. */
  readonly assetsCachePolicy: CachePolicy;
  /** Everything else: revalidated on every request. */
  readonly revalidateCachePolicy: CachePolicy;

  constructor(scope: Construct, id: string, props: WebDistributionProps) {
    super(scope, id);

    // Neither policy varies on cookies, headers or query strings: the files are the same for
    // everyone, and the sign-in's ?code=&state= on /auth/callback never reaches the bucket.
    const compressed = { enableAcceptEncodingGzip: true, enableAcceptEncodingBrotli: true };
    this.assetsCachePolicy = new CachePolicy(this, 'AssetsCache', {
      comment: 'Content-hashed assets: one year',
      minTtl: Duration.days(365),
      defaultTtl: Duration.days(365),
      maxTtl: Duration.days(365),
      ...compressed,
    });
    // Not CachingDisabled: with every TTL at zero CloudFront would not compress. The objects say
    // `Cache-Control: no-cache`, so the edge (minimum TTL 0) asks the bucket every time.
    this.revalidateCachePolicy = new CachePolicy(this, 'RevalidateCache', {
      comment: 'index.html and config.json: revalidated on every request',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      ...compressed,
    });

    this.headersPolicy = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'LGM web app: HSTS, CSP, no framing, nosniff, referrer and permissions policies',
      securityHeadersBehavior: {
        // CloudFront allows at most 1783 characters here; the policy is about 600 once resolved.
        contentSecurityPolicy: {
          contentSecurityPolicy: props.contentSecurityPolicy,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: PERMISSIONS_POLICY, override: true },
        ],
      },
    });

    this.rewrite = new SpaRewriteFunction(this, 'SpaRewrite', {
      comment: 'LGM web app: routes of the single-page app get /index.html',
    });

    const origin = S3BucketOrigin.withOriginAccessControl(props.siteBucket);
    const behavior = (cachePolicy: CachePolicy): BehaviorOptions => ({
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: CachedMethods.CACHE_GET_HEAD,
      compress: true,
      cachePolicy,
      responseHeadersPolicy: this.headersPolicy,
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: props.comment,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        ...behavior(this.revalidateCachePolicy),
        functionAssociations: [
          { eventType: FunctionEventType.VIEWER_REQUEST, function: this.rewrite.function },
        ],
      },
      additionalBehaviors: {
        [ASSETS_PATH_PATTERN]: behavior(this.assetsCachePolicy),
        [CONFIG_PATH_PATTERN]: behavior(this.revalidateCachePolicy),
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PRICE_CLASSES[props.priceClass],
      enableIpv6: true,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: props.logPrefix,
      ...(props.domain
        ? {
            domainNames: [props.domain.domainName],
            certificate: Certificate.fromCertificateArn(
              this,
              'Certificate',
              props.domain.certificateArn,
            ),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
  }
}
