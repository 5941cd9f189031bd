export { type ArtifactRow, artifacts, type NewArtifactRow } from './artifacts';
export { type ChunkRow, chunks, type NewChunkRow } from './chunks';
export {
  type DocumentRow,
  documents,
  type DocumentStatus,
  documentStatus,
  type NewDocumentRow,
} from './documents';
export { type NewUsageRow, usage, type UsageRow } from './usage';
