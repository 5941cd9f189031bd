import {
  type Clock,
  InternalError,
  isUlid,
  PayloadTooLargeError,
  ValidationError,
} from '@lgm/core';
import * as z from 'zod';

export { MAX_OWNER_ID_LENGTH, requireOwnerId } from '../shared/owner-id';

/** Any value JSON can carry. Stored as JSON text, so DynamoDB's number and nesting limits never apply. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** zod schema of {@link JsonValue} (finite numbers only). */
export const jsonValueSchema: z.ZodType<JsonValue> = z.json();

/** Validates a ULID argument (`what` names it in the message, e.g. 'session id'). */
export function requireUlid(value: unknown, code: string, what: string): string {
  if (typeof value !== 'string' || !isUlid(value)) {
    throw new ValidationError(`The ${what} must be a ULID (26 characters of Crockford base32).`, {
      code,
    });
  }
  return value;
}

/** Parses untrusted input; failures are a ValidationError with `code` and the zod issues. */
export function parseInput<TSchema extends z.ZodType>(
  schema: TSchema,
  value: unknown,
  code: string,
  what: string,
): z.output<TSchema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = details[0];
  const summary = first ? ` (${first.path || 'value'}: ${first.message})` : '';
  throw new ValidationError(`The ${what} is invalid${summary}.`, { code, details });
}

/**
 * Serializes a JSON-able value and enforces a byte budget on the result.
 * @throws PayloadTooLargeError `tooLargeCode` when the JSON text exceeds `maxBytes`.
 */
export function toJsonText(
  value: unknown,
  maxBytes: number,
  tooLargeCode: string,
  what: string,
): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // Cycles and BigInts: the caller handed us something that is not JSON.
    throw new ValidationError(`The ${what} is not JSON-serializable.`, {
      code: 'INVALID_JSON',
      cause: error,
    });
  }
  if (text === undefined) {
    throw new ValidationError(`The ${what} is not JSON-serializable.`, { code: 'INVALID_JSON' });
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(
      `The ${what} is ${bytes} bytes of JSON; the limit is ${maxBytes} bytes.`,
      { code: tooLargeCode, details: { bytes, maxBytes } },
    );
  }
  return text;
}

/** Reads JSON text that this library wrote; anything else is corruption, a 500. */
export function fromJsonText(text: unknown, what: string): JsonValue {
  if (typeof text !== 'string') throw new InternalError(`Stored ${what} is missing.`);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new InternalError(`Stored ${what} is not valid JSON.`, { cause: error });
  }
}

/** Epoch seconds, the unit of DynamoDB's TTL attribute. */
export function epochSeconds(instant: Date): number {
  return Math.floor(instant.getTime() / 1000);
}

/**
 * True when an item's `ttl` has passed. DynamoDB deletes expired items only eventually (and the
 * local server never), so every reader applies this itself.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export function isExpired(item: Record<string, unknown>, clock: Clock): boolean {
  const ttl = item['ttl'];
  return typeof ttl === 'number' && ttl <= epochSeconds(clock.now());
}

/** ISO-8601 of a `ttl` attribute, or undefined when the item does not expire. */
export function expiryOf(item: Record<string, unknown>): string | undefined {
  const ttl = item['ttl'];
  return typeof ttl === 'number' ? new Date(ttl * 1000).toISOString() : undefined;
}

/** Validates a relative lifetime in whole seconds. */
export function requireTtlSeconds(value: unknown, max: number, code: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(
      `The time to live must be a whole number of seconds from 1 to ${max}.`,
      {
        code,
      },
    );
  }
  return value;
}
