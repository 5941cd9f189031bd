import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** What `createS3Client` needs; everything else keeps the SDK's defaults. */
export interface S3ClientSettings {
  readonly region: string;
  /** A non-AWS endpoint such as the local S3 (`http://127.0.0.1:4568`). Absent on AWS. */
  readonly endpoint?: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`). Defaults to true when `endpoint` is set. */
  readonly forcePathStyle?: boolean;
  /** Static credentials (the local S3) or a provider; absent = the SDK's default chain. */
  readonly credentials?: S3ClientConfig['credentials'];
  readonly maxAttempts?: number;
}

/**
 * Builds the S3 client every service uses.
 *
 * Checksums are computed and validated only when an operation requires them: since SDK v3.729 the
 * default adds CRC32 checksum headers to PutObject and signs them into presigned URLs, which a
 * browser cannot reproduce (its PUT would fail the signature), and s3rver does not understand.
 *
 * @example
 * const s3 = createS3Client({ region: 'us-east-1', endpoint: local.endpoint, credentials: local.credentials });
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  const config: S3ClientConfig = {
    region: settings.region,
    forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (settings.endpoint !== undefined) config.endpoint = settings.endpoint;
  const credentials = settings.credentials;
  if (typeof credentials === 'function') config.credentials = credentials;
  // The SDK writes a `$source` tag onto static credentials; a copy keeps frozen or shared ones safe.
  else if (credentials !== undefined) config.credentials = { ...credentials };
  if (settings.maxAttempts !== undefined) config.maxAttempts = settings.maxAttempts;
  return new S3Client(config);
}
