/**
 * The one place Bedrock Runtime failures become AppErrors. Callers never see a raw SDK error: the
 * SDK exception stays attached as `cause`.
 */
import {
  AppError,
  ForbiddenError,
  RateLimitedError,
  ServiceUnavailableError,
  ValidationError,
} from '@lgm/core';

/** The parts of an SDK service exception we look at (name, message, HTTP status). */
interface ServiceErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'throttlingException',
  'ServiceQuotaExceededException',
  'ModelNotReadyException',
  'TooManyRequestsException',
]);
const SERVER_SIDE = new Set([
  'InternalServerException',
  'internalServerException',
  'ServiceUnavailableException',
  'serviceUnavailableException',
  'ModelTimeoutException',
]);
/** Network failures before a response: the request never reached Bedrock, retrying is safe. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Context-window overflows, worded differently by each model provider behind Bedrock. */
const CONTEXT_TOO_LONG =
  /too long|too many (input )?tokens|context (length|window)|exceeds? the (maximum|max)|prompt is too long/i;
/** Model ids Bedrock does not know, or that this account/region cannot invoke on demand. */
const MODEL_NOT_AVAILABLE =
  /model identifier is invalid|on-demand throughput isn.?t supported|model is not (ready|enabled|available)|end of its life|legacy/i;

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const name = (error as ServiceErrorLike).name;
  return typeof name === 'string' ? name : '';
}

function errorMessage(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const message = (error as ServiceErrorLike).message;
  return typeof message === 'string' ? message : '';
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as ServiceErrorLike).$metadata?.httpStatusCode;
}

function networkCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the client's own cancellation (our signal aborted), not a Bedrock failure. */
export function isAbortError(error: unknown): boolean {
  return errorName(error) === 'AbortError';
}

/** Throttling, 5xx and connection failures: worth another attempt if nothing was streamed yet. */
export function isRetryableBedrockError(error: unknown): boolean {
  const name = errorName(error);
  if (THROTTLING.has(name) || SERVER_SIDE.has(name)) return true;
  const status = httpStatus(error);
  if (status !== undefined) return status === 429 || status >= 500;
  const code = networkCode(error);
  return code !== undefined && NETWORK_CODES.has(code);
}

/**
 * Maps a Bedrock Runtime failure to an AppError with a stable code.
 *
 * | Bedrock | AppError |
 * |---|---|
 * | AccessDeniedException | 403 `MODEL_ACCESS_DENIED` |
 * | ResourceNotFoundException, invalid model id | 400 `MODEL_NOT_AVAILABLE` |
 * | ValidationException about input length | 400 `CONTEXT_TOO_LONG` |
 * | other ValidationException | 400 `MODEL_REQUEST_INVALID` |
 * | ThrottlingException, quotas, ModelNotReady | 429 `MODEL_THROTTLED` |
 * | ServiceUnavailableException | 503 `MODEL_THROTTLED` (Bedrock's "too many connections") |
 * | ModelStreamErrorException | 503 `MODEL_STREAM_ERROR` |
 * | 5xx, timeouts, network | 503 `MODEL_UNAVAILABLE` |
 */
export function toBedrockAppError(error: unknown, modelId: string): AppError {
  if (error instanceof AppError) return error;
  const name = errorName(error);
  const message = errorMessage(error);
  const options = { cause: error, details: { modelId, bedrockError: name || undefined } };
  switch (name) {
    case 'AccessDeniedException':
      return new ForbiddenError(
        `Access to model '${modelId}' is denied: enable it in the Bedrock console and allow bedrock:InvokeModel.`,
        { ...options, code: 'MODEL_ACCESS_DENIED' },
      );
    case 'ResourceNotFoundException':
      return new ValidationError(`Model '${modelId}' is not available: ${message}`, {
        ...options,
        code: 'MODEL_NOT_AVAILABLE',
      });
    case 'ValidationException':
    case 'validationException':
      if (MODEL_NOT_AVAILABLE.test(message)) {
        return new ValidationError(`Model '${modelId}' is not available: ${message}`, {
          ...options,
          code: 'MODEL_NOT_AVAILABLE',
        });
      }
      if (CONTEXT_TOO_LONG.test(message)) {
        return new ValidationError(
          `The conversation is too long for model '${modelId}': ${message}`,
          { ...options, code: 'CONTEXT_TOO_LONG' },
        );
      }
      return new ValidationError(`Model '${modelId}' rejected the request: ${message}`, {
        ...options,
        code: 'MODEL_REQUEST_INVALID',
      });
    case 'ServiceUnavailableException':
    case 'serviceUnavailableException':
      return new ServiceUnavailableError(`Model '${modelId}' is overloaded; try again shortly.`, {
        ...options,
        code: 'MODEL_THROTTLED',
      });
    case 'ModelStreamErrorException':
    case 'modelStreamErrorException':
      return new ServiceUnavailableError(`Model '${modelId}' failed while answering: ${message}`, {
        ...options,
        code: 'MODEL_STREAM_ERROR',
      });
    default:
      break;
  }
  if (THROTTLING.has(name) || httpStatus(error) === 429) {
    return new RateLimitedError(`Model '${modelId}' is throttling requests; try again shortly.`, {
      ...options,
      code: 'MODEL_THROTTLED',
    });
  }
  return new ServiceUnavailableError(`Model '${modelId}' is unavailable right now.`, {
    ...options,
    code: 'MODEL_UNAVAILABLE',
  });
}
