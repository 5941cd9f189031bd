import { ValidationError } from '@lgm/core';
import type { FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';

/** Issues listed in an error's details; the rest are counted. */
const MAX_ISSUES = 20;

/** One problem with a request, as `details.issues[n]` of a 400 tells it. */
export interface RequestIssue {
  /** Dotted path inside the part (`options.model`), empty for the part itself. */
  readonly path: string;
  /** zod's issue code (`invalid_type`, `too_big`, `unrecognized_keys`, …). */
  readonly code: string;
  readonly message: string;
  /** For `unrecognized_keys`: the fields that are not allowed. */
  readonly keys?: readonly string[];
}

/**
 * Validates params, query strings and bodies with the routes' zod schemas (and their responses on
 * the way out), and turns a failed validation into a 400 `INVALID_REQUEST` that lists the issues
 * (`INVALID_CURSOR` when the cursor alone is wrong).
 *
 * Fastify marks its validation errors with a transport status, which server-kit's handler maps to
 * a generic code; this scope's handler hands it our ValidationError instead and rethrows, so
 * server-kit's handler stays the one place an error becomes a response.
 */
export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error) => {
    throw toRequestError(error);
  });
}

function toRequestError(error: unknown): unknown {
  if (!hasZodFastifySchemaValidationErrors(error)) return error;
  const part = partName((error as { validationContext?: string }).validationContext);
  const issues: RequestIssue[] = error.validation.map((issue) => {
    const keys = (issue.params as { keys?: unknown }).keys;
    return {
      path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      code: issue.keyword,
      message: issue.message ?? 'is invalid',
      ...(Array.isArray(keys) && keys.length > 0
        ? { keys: keys.slice(0, 10).map((key) => String(key).slice(0, 64)) }
        : {}),
    };
  });
  const cursorOnly = part === 'query' && issues.every((issue) => issue.path === 'cursor');
  return new ValidationError(
    cursorOnly ? 'The pagination cursor is invalid.' : `The request ${part} is invalid.`,
    {
      code: cursorOnly ? 'INVALID_CURSOR' : 'INVALID_REQUEST',
      details: {
        in: part,
        issues: issues.slice(0, MAX_ISSUES),
        ...(issues.length > MAX_ISSUES ? { more: issues.length - MAX_ISSUES } : {}),
      },
    },
  );
}

function partName(context: string | undefined): string {
  switch (context) {
    case 'querystring':
      return 'query';
    case 'params':
      return 'path';
    case 'headers':
      return 'headers';
    default:
      return 'body';
  }
}
