import { createLogger, type Logger } from '@lgm/core';

/** A real logger that writes nowhere, for tests that do not read logs. */
export function silentLogger(service = 'test'): Logger {
  return createLogger({ service, level: 'silent' });
}
