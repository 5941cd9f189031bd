import { type ChatRuntimeOverrides } from '@lgm/chat';
import { loadConfig } from '@lgm/core';
import { createTestIdentity, type TestIdentity } from '@lgm/testing';
import type { FastifyInstance } from 'fastify';

import { buildApp } from '../app';
import { bootstrap } from '../bootstrap';
import { configSchema } from '../config';
import type { AppDeps } from '../deps';
import { TEST_EMBEDDING_DIMENSIONS, type TestStores } from './local-stores';

/** Public addresses for the host names tests register as MCP servers (tests have no DNS). */
export const TEST_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'mcp.example.com': ['93.184.215.14'],
  'tools.example.org': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'intranet.example.com': ['10.0.0.7'],
};

export async function resolveTestHost(host: string): Promise<readonly string[]> {
  const addresses = TEST_HOSTS[host];
  if (addresses === undefined) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return addresses;
}

/** The environment chat-api needs to reach the test stores (as on AWS, minus the secrets). */
export function testEnvironment(
  stores: TestStores,
  identity: Pick<TestIdentity, 'issuer' | 'audience'>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    AWS_REGION: 'us-east-1',
    DATABASE_URL: stores.databaseUrl,
    DATABASE_POOL_SIZE: '2',
    SESSIONS_TABLE: stores.tableNames.sessions,
    CONNECTIONS_TABLE: stores.tableNames.connections,
    MCP_TOOLS_TABLE: stores.tableNames['mcp-tools'],
    DYNAMODB_ENDPOINT: stores.dynamoEndpoint,
    DOCUMENTS_BUCKET: stores.buckets.documents,
    ARTIFACTS_BUCKET: stores.buckets.artifacts,
    S3_ENDPOINT: stores.s3Endpoint,
    EMBEDDING_DIMENSIONS: String(TEST_EMBEDDING_DIMENSIONS),
    AUTH_ISSUER: identity.issuer,
    AUTH_AUDIENCE: identity.audience,
    MAX_UPLOAD_MB: '1',
    ...extra,
  };
}

export interface TestAppOptions {
  readonly identity?: TestIdentity;
  /** More environment (LLM_PROVIDER, RATE_LIMIT_MAX, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly runtime?: ChatRuntimeOverrides;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly deps: AppDeps;
  readonly identity: TestIdentity;
  /** `Authorization` header of a user with a valid token. */
  auth(sub: string): Promise<{ authorization: string }>;
}

/**
 * chat-api through its real composition root (bootstrap.ts and createChatRuntime) over the test
 * stores, with an in-memory identity instead of a JWKS endpoint and the stores' embedder.
 */
export function buildTestApp(stores: TestStores, options: TestAppOptions = {}): TestApp {
  const identity = options.identity ?? createTestIdentity();
  const config = loadConfig(configSchema, testEnvironment(stores, identity, options.env));
  const deps = bootstrap(config, {
    verifier: identity.verifier,
    resolveHost: resolveTestHost,
    runtime: { credentials: stores.credentials, embedder: stores.embedder, ...options.runtime },
  });
  return {
    app: buildApp(deps),
    deps,
    identity,
    auth: async (sub) => ({ authorization: `Bearer ${await identity.tokenFor(sub)}` }),
  };
}
