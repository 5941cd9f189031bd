import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

/** Settings for {@link createBedrockRuntimeClient}; come from the app's config, never process.env. */
export interface BedrockClientSettings {
  readonly region: string;
  /** Another endpoint (VPC endpoint, or the local emulator in tests and benchmarks). */
  readonly endpoint?: string;
  /** Static credentials; omitted, the SDK's default provider chain (Lambda role, profile) is used. */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/**
 * A Bedrock Runtime client for the adapters in this lib. `maxAttempts: 1` turns the SDK's own
 * retries off: ours (see `retry.ts`) know whether output has already been streamed.
 *
 * @example
 * const client = createBedrockRuntimeClient({ region: 'us-east-1' });
 * const model = createBedrockChatModel({ client });
 */
export function createBedrockRuntimeClient(settings: BedrockClientSettings): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: settings.region,
    maxAttempts: 1,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
  });
}
