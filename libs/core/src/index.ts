export { type Clock, createManualClock, type ManualClock, systemClock } from './clock';
export { type Environment, loadConfig } from './config';
export { toErrorBody } from './error-body';
export {
  AppError,
  type AppErrorOptions,
  ConfigError,
  type ConfigIssue,
  ConflictError,
  ForbiddenError,
  InternalError,
  isAppError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ServiceUnavailableError,
  toAppError,
  UnauthorizedError,
  ValidationError,
} from './errors';
export { createHealthReporter, type HealthCheck, type HealthReporter } from './health';
export { createIdGenerator, type IdGenerator, isUlid } from './ids';
export {
  createLogger,
  type Logger,
  type LoggerSettings,
  type LogLevel,
  REDACTED_PATHS,
} from './logger';
