import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';

import type { BedrockRuntimeClientLike } from './bedrock-chat-model';
import { isRetryableBedrockError } from './bedrock-errors';
import { type RetryDeps, type RetryPolicy, withRetry } from './retry';

/**
 * InvokeModel with a JSON body and a JSON answer, under LGM's retry policy (throttling and 5xx,
 * jittered backoff) and cancellable. The embedders share it; errors are mapped by the caller.
 */
export async function invokeJsonModel(
  client: BedrockRuntimeClientLike,
  modelId: string,
  body: unknown,
  options: { policy: RetryPolicy; deps: RetryDeps; signal: AbortSignal | undefined },
): Promise<unknown> {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const { signal } = options;
  const response = await withRetry(
    () =>
      client.send(
        new InvokeModelCommand({
          modelId,
          contentType: 'application/json',
          accept: 'application/json',
          body: bytes,
        }),
        signal ? { abortSignal: signal } : {},
      ),
    {
      isRetryable: isRetryableBedrockError,
      policy: options.policy,
      deps: options.deps,
      ...(signal ? { signal } : {}),
    },
  );
  return JSON.parse(new TextDecoder().decode(response.body)) as unknown;
}
