export {
  type LocalDynamoDb,
  type LocalDynamoDbOptions,
  startLocalDynamoDb,
} from './dynamodb-server';
export {
  type DevOidcClient,
  type DevOidcIssuer,
  type DevOidcIssuerOptions,
  type DevOidcUser,
  type DevTokenOptions,
  startDevOidcIssuer,
} from './oidc-issuer';
export { type LocalPostgres, startLocalPostgres } from './postgres-server';
export { type PostgresTarget, postgresTargets } from './postgres-targets';
export {
  createS3EventTranslator,
  createSequencer,
  encodeS3EventKey,
  type S3EventEnrichment,
  type S3EventTranslator,
  type S3EventTranslatorOptions,
} from './s3-events';
export {
  corsConfigurationXml,
  LOCAL_S3_CREDENTIALS,
  LOCAL_S3_REGION,
  type LocalS3,
  type LocalS3Options,
  startLocalS3,
} from './s3-server';
