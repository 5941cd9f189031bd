import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link AccessLogsBucket}. */
export interface AccessLogsBucketProps {
  /** Days a log object is kept. */
  readonly expireAfterDays: number;
  /**
   * Also a destination of CloudFront standard logs, which are delivered with an ACL grant: the
   * bucket then keeps ACLs enabled (objects still belong to the bucket owner, and public ACLs
   * stay blocked). Off by default: no ACLs at all.
   */
  readonly cloudFrontLogs?: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Target of the S3 server access logs of every other bucket of its stack (and of CloudFront's
 * logs, when asked). S3 delivers these logs only to SSE-S3 encrypted buckets, and grants itself
 * access through the bucket policy (no ACLs).
 * It logs nowhere itself: logging into itself would write a log object per log object, and
 * cdk-nag's S1 accepts a bucket that other buckets of its stack log to.
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);

    this.bucket = new Bucket(this, 'Bucket', {
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
      // (SSE-KMS is not supported on the destination bucket).
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logging (legacy) writes with ACLs: https://docs.aws.amazon.com/
      // AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html. The newer log
      // deliveries for CloudFront are created in us-east-1 whatever the stage's region, and the
      // legacy logging is what cdk-nag's CFR3 and AWS Config's cloudfront-accesslogs-enabled check.
      objectOwnership: props.cloudFrontLogs
        ? ObjectOwnership.BUCKET_OWNER_PREFERRED
        : ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: Duration.days(props.expireAfterDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: props.removalPolicy,
    });
  }
}
