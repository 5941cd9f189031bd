import { createVerifierFromConfig, type TokenVerifier } from '@lgm/auth';
import {
  type ChatRuntimeOverrides,
  createChatRuntime,
  type McpUrlPolicy,
  validateMcpServerUrl,
} from '@lgm/chat';
import { createS3Client } from '@lgm/persistence';
import { createServiceContext, type ServiceContextOverrides } from '@lgm/server-kit';

import type { Config, ServerConfig } from './config';
import type { AppDeps, DocsUi } from './deps';
import { s3DocumentSources } from './document-sources';
import { modelChoices } from './model-choices';

/** What tests and the local server may replace in the composition. */
export interface BootstrapOverrides {
  readonly context?: ServiceContextOverrides;
  /** Model, embedder, credentials for local endpoints, engine tunables. */
  readonly runtime?: ChatRuntimeOverrides;
  /** Replaces the JWKS-backed verifier of AUTH_ISSUER (tests with an in-memory identity). */
  readonly verifier?: TokenVerifier;
  /** DNS for MCP server URL checks (tests have no DNS). */
  readonly resolveHost?: McpUrlPolicy['resolve'];
  readonly docsUi?: DocsUi;
}

/**
 * The composition root: config in, every dependency of the app out. The chat runtime (stores,
 * model, embedder, retriever, tools, turn engine) is the one ws-gateway composes too. Nothing
 * connects before the first request.
 */
export function bootstrap(
  config: Config | ServerConfig,
  overrides: BootstrapOverrides = {},
): AppDeps {
  const context = createServiceContext('chat-api', config, overrides.context);
  const runtime = createChatRuntime(config, context, overrides.runtime);
  const credentials = overrides.runtime?.credentials;
  // The runtime's blob stores cannot copy objects; reindexing needs a client of its own.
  const s3 = createS3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT === undefined ? {} : { endpoint: config.S3_ENDPOINT }),
    ...(credentials === undefined ? {} : { credentials: { ...credentials } }),
  });
  const resolveHost = overrides.resolveHost;
  return {
    ...context,
    verifier: overrides.verifier ?? createVerifierFromConfig(config, { clock: context.clock }),
    stores: (ownerId) => ({
      sessions: runtime.sessions(ownerId),
      documents: runtime.documents(ownerId),
      documentFiles: runtime.documentBlobs(ownerId),
      artifacts: runtime.artifacts(ownerId),
      artifactFiles: runtime.artifactBlobs(ownerId),
      usage: runtime.usage(ownerId),
      mcpServers: runtime.mcpTools(ownerId),
      retriever: runtime.retriever(ownerId),
    }),
    engine: runtime.engine,
    documentSources: s3DocumentSources({
      s3,
      bucket: config.DOCUMENTS_BUCKET,
      documentBlobs: runtime.documentBlobs,
      clock: context.clock,
    }),
    checkMcpServerUrl: (url) =>
      validateMcpServerUrl(url, {
        allowPrivateNetworks: config.MCP_ALLOW_PRIVATE_NETWORKS,
        ...(resolveHost === undefined ? {} : { resolve: resolveHost }),
      }),
    models: modelChoices({
      provider: config.LLM_PROVIDER,
      openAiChatModel: config.OPENAI_CHAT_MODEL,
      defaultModel: runtime.defaultModelId,
    }),
    limits: {
      maxUploadBytes: config.MAX_UPLOAD_MB * 1024 * 1024,
      uploadUrlTtlSeconds: config.UPLOAD_URL_TTL_SECONDS,
      downloadUrlTtlSeconds: config.DOWNLOAD_URL_TTL_SECONDS,
      rateLimitMax: config.RATE_LIMIT_MAX,
      rateLimitWindowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
    },
    ...(overrides.docsUi === undefined ? {} : { docsUi: overrides.docsUi }),
    close: async () => {
      s3.destroy();
      await runtime.close();
    },
  };
}
