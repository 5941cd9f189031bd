import { createManualClock } from './clock';
import { createHealthReporter } from './health';
import { createIdGenerator, isUlid } from './ids';

describe('ids', () => {
  it('are ULIDs that sort in creation order, even within one millisecond', () => {
    const clock = createManualClock('2026-05-01T00:00:00.000Z');
    const nextId = createIdGenerator(clock);
    const sameMillisecond = [nextId(), nextId(), nextId()];
    clock.advance(1);
    const later = nextId();
    const all = [...sameMillisecond, later];

    expect(all.every(isUlid)).toBe(true);
    expect([...all].sort()).toEqual(all);
    expect(new Set(all).size).toBe(4);
  });

  it('rejects strings that are not ULIDs', () => {
    expect(isUlid('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe(true);
    expect(isUlid('01ARZ3NDEKTSV4RRFFQ69G5FAI')).toBe(false);
    expect(isUlid('../../etc/passwd')).toBe(false);
    expect(isUlid('')).toBe(false);
  });
});

describe('createHealthReporter', () => {
  const clock = createManualClock('2026-05-01T12:00:00.000Z');

  it('is ok when every check is ok', async () => {
    const reporter = createHealthReporter({
      service: 'chat-api',
      version: '1.2.3',
      clock,
      checks: { database: async () => ({ status: 'ok' }) },
    });
    await expect(reporter.report()).resolves.toEqual({
      status: 'ok',
      service: 'chat-api',
      version: '1.2.3',
      time: '2026-05-01T12:00:00.000Z',
      checks: { database: { status: 'ok' } },
    });
  });

  it('folds a throwing check into down and a degraded one into degraded', async () => {
    const reporter = createHealthReporter({
      service: 'doc-ingestor',
      version: '1',
      clock,
      checks: {
        embedder: async () => ({ status: 'degraded', detail: 'slow' }),
        database: async () => {
          throw new Error('ECONNREFUSED');
        },
      },
    });
    const report = await reporter.report();
    expect(report.status).toBe('down');
    expect(report.checks['database']).toEqual({ status: 'down', detail: 'ECONNREFUSED' });
    expect(report.checks['embedder']?.status).toBe('degraded');
  });
});
