import { ValidationError } from '@lgm/core';

/**
 * Owner and user ids come from verified tokens (Cognito `sub`, the dev issuer's subject). One rule
 * for every store, because the same id is embedded in DynamoDB keys (`OWNER#<id>`, so no `#` or
 * whitespace), S3 keys (`documents/<id>/…`, so no `/` and not `.`/`..`) and SQL parameters.
 */
export const MAX_OWNER_ID_LENGTH = 128;
const OWNER_ID_PATTERN = /^[A-Za-z0-9._:@|+=-]+$/;

/** Validates an owner or user id (`code` e.g. `INVALID_OWNER_ID`). */
export function requireOwnerId(value: unknown, code = 'INVALID_OWNER_ID'): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_OWNER_ID_LENGTH ||
    !OWNER_ID_PATTERN.test(value) ||
    /^\.+$/.test(value)
  ) {
    throw new ValidationError(
      `The owner id must be 1 to ${MAX_OWNER_ID_LENGTH} characters of letters, digits and ._:@|+=-`,
      { code },
    );
  }
  return value;
}
