import { ServiceUnavailableError } from '@lgm/core';
import { silentLogger, testServiceContext } from '@lgm/testing';

import type { IngestionOutcome } from './ingestion';
import { createIngestor, handleSqsBatch } from './ingestor';
import type { ObjectEvent } from './s3-events';

const key = (n: number) => `documents/owner-1/01JD000000000000000000000${n}/file+${n}.md`;

function notification(...keys: string[]): string {
  return JSON.stringify({
    Records: keys.map((objectKey, index) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: 'docs' },
        object: { key: objectKey, size: 5, eTag: '"abc"', sequencer: `00${index}` },
      },
    })),
  });
}

function recorder(failOn: (event: ObjectEvent) => boolean) {
  const applied: ObjectEvent[] = [];
  const applyEvent = async (event: ObjectEvent): Promise<IngestionOutcome> => {
    if (failOn(event)) throw new ServiceUnavailableError('down', { code: 'DATABASE_DOWN' });
    applied.push(event);
    return { outcome: 'ready', documentId: 'x', chunks: 1 };
  };
  return { applied, applyEvent };
}

describe('SQS batch handling', () => {
  it('applies every record of every message, decoding keys and eTags', async () => {
    const { applied, applyEvent } = recorder(() => false);
    const result = await handleSqsBatch(
      [
        { messageId: 'm1', body: notification(key(1), key(2)) },
        { messageId: 'm2', body: notification(key(3)) },
      ],
      applyEvent,
      silentLogger(),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(applied.map((event) => event.key)).toEqual([
      'documents/owner-1/01JD0000000000000000000001/file 1.md',
      'documents/owner-1/01JD0000000000000000000002/file 2.md',
      'documents/owner-1/01JD0000000000000000000003/file 3.md',
    ]);
    expect(applied[0]).toMatchObject({ kind: 'created', eTag: 'abc', bucket: 'docs' });
  });

  it('reports only the failed messages, and later messages of a failed key with them', async () => {
    const { applied, applyEvent } = recorder((event) => event.key.includes('file 2'));
    const result = await handleSqsBatch(
      [
        { messageId: 'm1', body: notification(key(1)) },
        { messageId: 'm2', body: notification(key(2)) },
        { messageId: 'm3', body: notification(key(3)) },
        { messageId: 'm4', body: notification(key(2)) },
      ],
      applyEvent,
      silentLogger(),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm4' }]);
    expect(applied).toHaveLength(2);
  });

  it('fails a message whose body is not an S3 notification (it ends in the DLQ)', async () => {
    const { applyEvent } = recorder(() => false);
    const result = await handleSqsBatch(
      [
        { messageId: 'bad-json', body: '{' },
        { messageId: 'bad-shape', body: '{"Records":[{"nope":1}]}' },
        { messageId: 'test-event', body: '{"Service":"Amazon S3","Event":"s3:TestEvent"}' },
      ],
      applyEvent,
      silentLogger(),
    );
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'bad-json' },
      { itemIdentifier: 'bad-shape' },
    ]);
  });

  it('refuses SQS batches when ingestion is not configured', async () => {
    const context = testServiceContext('doc-ingestor');
    const ingestor = createIngestor({ health: context.health, logger: context.logger });
    await expect(
      ingestor.handle({ Records: [{ messageId: 'm', body: '{}', eventSource: 'aws:sqs' }] }),
    ).rejects.toMatchObject({ code: 'INGESTION_NOT_CONFIGURED' });
  });
});
