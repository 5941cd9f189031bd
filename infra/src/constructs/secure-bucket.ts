import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CorsRule,
  type IBucket,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link SecureBucket}. */
export interface SecureBucketProps {
  /** Destination of this bucket's server access logs. */
  readonly accessLogsBucket: IBucket;
  /** Key prefix of this bucket's logs in the destination, e.g. `documents/`. */
  readonly accessLogsPrefix: string;
  /** Customer managed key (SSE-KMS with an S3 Bucket Key); SSE-S3 when absent. */
  readonly encryptionKey?: IKey;
  /** Days a noncurrent object version is kept before it expires. */
  readonly noncurrentVersionExpirationDays: number;
  /** Rules on top of the ones every bucket gets (abort uploads, expire old versions). */
  readonly lifecycleRules?: readonly LifecycleRule[];
  readonly cors?: readonly CorsRule[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A private, versioned S3 bucket: encrypted at rest, TLS 1.2+ only, every public access blocked,
 * no ACLs, access-logged, with incomplete multipart uploads aborted and old versions expired.
 */
export class SecureBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);

    this.bucket = new Bucket(this, 'Bucket', {
      ...(props.encryptionKey
        ? {
            encryption: BucketEncryption.KMS,
            encryptionKey: props.encryptionKey,
            // One data key per bucket instead of one KMS request per object.
            bucketKeyEnabled: true,
          }
        : { encryption: BucketEncryption.S3_MANAGED }),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsPrefix,
      cors: props.cors ? [...props.cors] : undefined,
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays),
          // Delete markers left with no version behind them only slow down listings.
          expiredObjectDeleteMarker: true,
        },
        ...(props.lifecycleRules ?? []),
      ],
      removalPolicy: props.removalPolicy,
    });
  }
}
