import { monotonicFactory } from 'ulid';

import { type Clock, systemClock } from './clock';

/** Makes ULIDs: sortable by creation time, unique within a process even in the same millisecond. */
export type IdGenerator = () => string;

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function createIdGenerator(clock: Clock = systemClock): IdGenerator {
  const next = monotonicFactory();
  return () => next(clock.now().getTime());
}

export function isUlid(value: string): boolean {
  return ULID_PATTERN.test(value);
}
