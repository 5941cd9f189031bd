/**
 * The AppError family: every failure the platform reports on purpose carries a stable,
 * machine-readable `code`, an HTTP status and a message fit for a human. Adapters map these to
 * their transport in exactly one place (fastify error handler, Lambda wrapper, MCP tool wrapper).
 */

export interface AppErrorOptions {
  /** Structured, non-secret context for the client (e.g. which fields failed validation). */
  readonly details?: unknown;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(code: string, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options.details;
  }

  /** 5xx errors are ours, not the caller's: their message is hidden from clients. */
  get isServerError(): boolean {
    return this.status >= 500;
  }
}

/** 400: the request is malformed or fails validation. */
export class ValidationError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'VALIDATION_FAILED', 400, message, options);
  }
}

/** 401: no credentials, or credentials that do not verify. */
export class UnauthorizedError extends AppError {
  constructor(
    message = 'Authentication is required.',
    options: AppErrorOptions & { code?: string } = {},
  ) {
    super(options.code ?? 'UNAUTHORIZED', 401, message, options);
  }
}

/** 403: authenticated, but not allowed. Prefer NotFoundError for other owners' resources. */
export class ForbiddenError extends AppError {
  constructor(
    message = 'You are not allowed to do that.',
    options: AppErrorOptions & { code?: string } = {},
  ) {
    super(options.code ?? 'FORBIDDEN', 403, message, options);
  }
}

/**
 * 404: the resource does not exist *for this caller*. Other owners' resources are reported the
 * same way, so their existence is never revealed.
 */
export class NotFoundError extends AppError {
  constructor(resource: string, id?: string, options: AppErrorOptions = {}) {
    const code = `${resource.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_NOT_FOUND`;
    const message = id === undefined ? `${resource} not found.` : `${resource} '${id}' not found.`;
    super(code, 404, message, options);
  }
}

/** 409: the write lost a race (stale version) or would duplicate something unique. */
export class ConflictError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'CONFLICT', 409, message, options);
  }
}

/** 413: a body, file or field is larger than allowed. */
export class PayloadTooLargeError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'PAYLOAD_TOO_LARGE', 413, message, options);
  }
}

/** 429: the caller exceeded a rate limit or quota. */
export class RateLimitedError extends AppError {
  constructor(
    message = 'Too many requests; slow down.',
    options: AppErrorOptions & { code?: string } = {},
  ) {
    super(options.code ?? 'RATE_LIMITED', 429, message, options);
  }
}

/** 503: a dependency is unavailable or throttling us; the caller may retry. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string, options: AppErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'SERVICE_UNAVAILABLE', 503, message, options);
  }
}

/** 500: a bug or an unexpected failure. The message never reaches clients. */
export class InternalError extends AppError {
  constructor(message = 'Internal error.', options: AppErrorOptions = {}) {
    super('INTERNAL_ERROR', 500, message, options);
  }
}

/** Thrown by `loadConfig`: the process cannot start with this environment. */
export class ConfigError extends AppError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.key}: ${issue.message}`);
    super(
      'CONFIG_INVALID',
      500,
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      { details: issues },
    );
    this.issues = issues;
  }
}

export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Any thrown value as an AppError: unknown failures become an InternalError keeping the cause. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new InternalError('Internal error.', { cause: error });
}
