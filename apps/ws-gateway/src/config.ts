import { authConfigShape } from '@lgm/auth';
import { chatServiceConfigShape, checkChatServiceConfig } from '@lgm/chat';
import { baseConfigSchema, httpConfigSchema } from '@lgm/server-kit';
import * as z from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Keys of the ws-gateway's own (beside the chat services' and the auth settings). */
const gatewayShape = {
  /** Events a live turn keeps in memory for resume (older ones are read from the store). */
  WS_MAX_EVENTS_PER_TURN: z.coerce.number().int().min(64).max(100_000).default(4096),
};

/** The turn queue (SQS) the socket Lambda feeds and the worker drains. */
const turnQueueShape = {
  TURN_QUEUE_URL: httpUrl,
};

/**
 * API Gateway's management endpoint, `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`,
 * where frames are posted to connections.
 */
const callbackShape = {
  WS_CALLBACK_URL: httpUrl,
};

/** The socket routes on Lambda (`lambda.ts`): they queue turns and post frames. */
export const lambdaConfigSchema = baseConfigSchema
  .extend(chatServiceConfigShape)
  .extend(authConfigShape)
  .extend(turnQueueShape)
  .extend(callbackShape)
  .superRefine(checkChatServiceConfig, { when: () => true });

/** The turn worker on Lambda (`worker.ts`): runs queued turns and posts their frames. */
export const workerConfigSchema = baseConfigSchema
  .extend(chatServiceConfigShape)
  .extend(callbackShape)
  .superRefine(checkChatServiceConfig, { when: () => true });

/** The `$connect` authorizer (`authorizer.ts`): token verification only. */
export const authorizerConfigSchema = baseConfigSchema.extend(authConfigShape);

/** The local server (`server.ts`): routes, turns and sockets in one process. */
export const serverConfigSchema = httpConfigSchema
  .extend(chatServiceConfigShape)
  .extend(authConfigShape)
  .extend(gatewayShape)
  .superRefine(checkChatServiceConfig, { when: () => true });

export type LambdaConfig = z.output<typeof lambdaConfigSchema>;
export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type AuthorizerConfig = z.output<typeof authorizerConfigSchema>;
export type ServerConfig = z.output<typeof serverConfigSchema>;
