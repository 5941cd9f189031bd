import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerSettings {
  /** The service name, stamped on every line. */
  readonly service: string;
  readonly level?: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream;
  /** Extra paths to redact, in pino's path syntax. */
  readonly redact?: readonly string[];
}

/**
 * Secrets that must never reach logs, wherever they sit in a logged object. Keep in sync with the
 * places credentials travel: HTTP headers, Lambda events, config objects and SDK errors.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'password',
  'secret',
  'token',
  'accessToken',
  'idToken',
  'refreshToken',
  'apiKey',
  'databaseUrl',
  'connectionString',
  'cookie',
  '*.authorization',
  '*.Authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.idToken',
  '*.refreshToken',
  '*.apiKey',
  '*.databaseUrl',
  '*.connectionString',
  '*.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  '*.headers.Cookie',
  '*.headers["sec-websocket-protocol"]',
  '*.headers["Sec-WebSocket-Protocol"]',
  '*.headers["x-api-key"]',
  '*.multiValueHeaders.Authorization',
  '*.multiValueHeaders.authorization',
  '*.queryStringParameters.token',
];

/** A JSON logger with secrets redacted. One per process, passed down by the composition root. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.service,
    level: settings.level ?? 'info',
    base: { service: settings.service },
    redact: { paths: [...REDACTED_PATHS, ...(settings.redact ?? [])], censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
