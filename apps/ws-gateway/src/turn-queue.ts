import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  clientMessageIdSchema,
  MAX_USER_MESSAGE_CHARACTERS,
  turnOptionsSchema,
  ulidSchema,
} from '@lgm/contracts';
import { ServiceUnavailableError } from '@lgm/core';
import * as z from 'zod';

/**
 * A turn handed from the socket route to the worker (AWS). The socket Lambda has chosen the turn
 * id and acknowledged it to the client; the worker runs the turn under that id and sends its
 * events to the connection (and to whoever resumes it meanwhile).
 */
export const turnJobSchema = z.strictObject({
  turnId: ulidSchema,
  ownerId: z.string().min(1).max(256),
  connectionId: z.string().min(1).max(128),
  requestId: z.string().max(64).optional(),
  request: z.strictObject({
    sessionId: ulidSchema,
    clientMessageId: clientMessageIdSchema,
    content: z.string().min(1).max(MAX_USER_MESSAGE_CHARACTERS),
    options: turnOptionsSchema.optional(),
  }),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

/** Where the socket route puts turns for the worker. */
export interface TurnQueue {
  enqueue(job: TurnJob): Promise<void>;
}

/** The SQS turn queue (`TURN_QUEUE_URL`). */
export function createSqsTurnQueue(client: SQSClient, queueUrl: string): TurnQueue {
  return {
    enqueue: async (job) => {
      try {
        await client.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }),
        );
      } catch (error) {
        throw new ServiceUnavailableError('The turn could not be queued; retry.', {
          code: 'TURN_QUEUE_UNAVAILABLE',
          cause: error,
        });
      }
    },
  };
}
