export { ArtifactRepository, MAX_ARTIFACT_BYTES, type NewArtifact } from './artifacts-repository';
export { type ChunkInput, type ChunkMatch, ChunkRepository } from './chunks-repository';
export { createDatabase, type Database, type PostgresOptions } from './client';
export {
  checkDatabaseSettings,
  type DatabaseLocation,
  type DatabaseSettings,
  databaseSettingsShape,
  type SecretReader,
  withDatabaseUrl,
} from './database-settings';
export {
  type DocumentChanges,
  DocumentRepository,
  MAX_DOCUMENT_BYTES,
  type NewDocument,
} from './documents-repository';
export { mapPersistenceErrors, toPersistenceError } from './errors';
export {
  ensureEmbeddingColumn,
  HNSW_INDEX_NAME,
  migrateDatabase,
  type MigrateOptions,
} from './migrate';
export {
  type ArtifactRow,
  type ChunkRow,
  type DocumentRow,
  type DocumentStatus,
  type UsageRow,
} from './schema';
export { type UsageRecord, UsageRepository, type UsageSummaryRow } from './usage-repository';
