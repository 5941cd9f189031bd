import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link AccessLogsBucket}. */
export interface AccessLogsBucketProps {
  /** Days a log object is kept. */
  readonly expireAfterDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Target of the S3 server access logs of every other bucket. S3 delivers these logs only to
 * SSE-S3 encrypted buckets, and grants itself access through the bucket policy (no ACLs).
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
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
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
