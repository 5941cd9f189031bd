import * as z from 'zod';

import { turnEventSchema, ulidSchema } from '../chat';

export const turnParamsSchema = z.strictObject({ turnId: ulidSchema });

/** `GET /turns/:turnId/events?afterSeq=n`: the stored events after seq n (-1 or absent: all). */
export const turnEventsQuerySchema = z.strictObject({
  afterSeq: z.coerce.number().int().min(-1).max(9_999_999_999).optional(),
});

/** A turn's stored events, for a client that lost its socket (or never had one). */
export const turnEventsResponseSchema = z.strictObject({
  turnId: ulidSchema,
  sessionId: ulidSchema,
  events: z.array(turnEventSchema),
  /** True once a terminal event (`turn.completed` or `turn.failed`) is stored. */
  ended: z.boolean(),
});
export type TurnEventsResponse = z.infer<typeof turnEventsResponseSchema>;

/** `POST /turns/:turnId/cancel`: accepted; the turn stops and stores its partial answer. */
export const cancelTurnResponseSchema = z.strictObject({
  turnId: ulidSchema,
  status: z.literal('cancelling'),
});
export type CancelTurnResponse = z.infer<typeof cancelTurnResponseSchema>;
