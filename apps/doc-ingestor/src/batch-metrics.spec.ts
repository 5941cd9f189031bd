import { Metrics } from '@aws-lambda-powertools/metrics';

import { recordBatchMetrics } from './batch-metrics';

describe('recordBatchMetrics', () => {
  it('publishes messages in and messages retried as one EMF document', () => {
    const lines: string[] = [];
    // Powertools writes EMF through its own Console on stdout.
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    try {
      const metrics = new Metrics({ namespace: 'LGM/test', serviceName: 'doc-ingestor' });
      const records = ['a', 'b', 'c'].map((messageId) => ({
        messageId,
        body: '{}',
        eventSource: 'aws:sqs' as const,
      }));
      recordBatchMetrics(
        metrics,
        { Records: records },
        { batchItemFailures: [{ itemIdentifier: 'b' }] },
      );
      const emf = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => '_aws' in entry);
      expect(emf).toMatchObject({
        IngestionMessages: 3,
        IngestionMessagesRetried: 1,
        service: 'doc-ingestor',
      });
    } finally {
      spy.mockRestore();
    }
  });

  it('publishes nothing for a health invocation', () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      recordBatchMetrics(
        new Metrics({ namespace: 'LGM/test' }),
        { kind: 'health' },
        {
          status: 'ok',
          service: 'doc-ingestor',
          version: 't',
          time: '2026-11-26T00:00:00.000Z',
          checks: {},
        },
      );
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
