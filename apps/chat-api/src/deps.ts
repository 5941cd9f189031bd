import type { TokenVerifier } from '@lgm/auth';
import type { TurnEngine } from '@lgm/chat';
import type { ModelInfo, ModelsResponse } from '@lgm/contracts';
import type {
  ArtifactRepository,
  BlobKey,
  BlobStore,
  DocumentRepository,
  McpToolsRepository,
  SessionRepository,
  UsageRepository,
} from '@lgm/persistence';
import type { RetrievedPassage } from '@lgm/rag';
import type { ServiceContext } from '@lgm/server-kit';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';

/**
 * What chat-api's routes need, as ports. `bootstrap.ts` builds them from config; tests build them
 * from real local stores. Everything a route reads or writes goes through {@link OwnerStores},
 * which are constructed for the verified principal's `sub` and nothing else.
 */

export type SessionStore = Pick<
  SessionRepository,
  | 'createSession'
  | 'getSession'
  | 'listSessions'
  | 'updateSession'
  | 'deleteSession'
  | 'listMessages'
>;
export type DocumentStore = Pick<DocumentRepository, 'create' | 'get' | 'list' | 'delete'>;
export type ArtifactStore = Pick<ArtifactRepository, 'get' | 'list'>;
export type UsageStore = Pick<UsageRepository, 'summarize'>;
export type McpServerStore = Pick<
  McpToolsRepository,
  'list' | 'register' | 'unregister' | 'getToolListing'
>;

/** Hybrid search over one owner's ready documents. */
export interface PassageRetriever {
  retrieve(query: string, options: { readonly k: number }): Promise<RetrievedPassage[]>;
}

/** One owner's stores: every repository and blob store is scoped to that owner. */
export interface OwnerStores {
  readonly sessions: SessionStore;
  readonly documents: DocumentStore;
  /** `documents/<owner>/…` in the documents bucket. */
  readonly documentFiles: BlobStore;
  readonly artifacts: ArtifactStore;
  /** `artifacts/<owner>/…` in the artifacts bucket. */
  readonly artifactFiles: BlobStore;
  readonly usage: UsageStore;
  readonly mcpServers: McpServerStore;
  readonly retriever: PassageRetriever;
}

/** Re-raises ingestion of an uploaded document (S3 calls the object's event again). */
export interface DocumentSources {
  /** @throws NotFoundError `OBJECT_NOT_FOUND` when the file was never uploaded. */
  reindex(ownerId: string, file: BlobKey): Promise<void>;
}

/** Limits a deployment chooses in its config. */
export interface ApiLimits {
  /** Largest document upload, in bytes. */
  readonly maxUploadBytes: number;
  /** Lifetime of presigned upload URLs. */
  readonly uploadUrlTtlSeconds: number;
  /** Lifetime of presigned artifact downloads (short: the URL is a bearer credential). */
  readonly downloadUrlTtlSeconds: number;
  /** Requests per principal per window; 429 beyond. */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
}

/** The models sessions may use with the configured provider. */
export interface ModelChoices {
  readonly provider: ModelsResponse['provider'];
  readonly defaultModel: string;
  readonly models: readonly ModelInfo[];
}

/**
 * Registers an interactive API explorer at `/docs` and the document at `/docs/json` (swagger-ui
 * where its assets exist). The document is filled in when the app is ready.
 */
export type DocsUi = (app: FastifyInstance, document: OpenAPIV3.Document) => Promise<void>;

export interface AppDeps extends ServiceContext {
  readonly verifier: TokenVerifier;
  /** The stores of one owner (the principal's sub). */
  readonly stores: (ownerId: string) => OwnerStores;
  readonly engine: TurnEngine;
  readonly documentSources: DocumentSources;
  /**
   * Checks an MCP server URL a user registers (scheme, credentials, and hosts that may not be
   * contacted); returns it normalised.
   */
  readonly checkMcpServerUrl: (url: string) => Promise<string>;
  readonly models: ModelChoices;
  readonly limits: ApiLimits;
  /** Absent: a small built-in page over `/docs/json`. */
  readonly docsUi?: DocsUi;
  /** Releases clients and pools when the app closes. */
  readonly close?: () => Promise<void>;
}
