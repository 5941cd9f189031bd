import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

import type { IngestorEvent, IngestorResult } from './ingestor';

/**
 * CloudWatch metrics (embedded metric format, written to the log: no API call in the hot path)
 * for one SQS batch: how many messages came in and how many go back to the queue. Alarms on the
 * DLQ catch poison messages; these show throughput and retry pressure.
 */
export function recordBatchMetrics(
  metrics: Metrics,
  event: IngestorEvent,
  result: IngestorResult,
): void {
  if (!('Records' in event) || !('batchItemFailures' in result)) return;
  metrics.addMetric('IngestionMessages', MetricUnit.Count, event.Records.length);
  metrics.addMetric('IngestionMessagesRetried', MetricUnit.Count, result.batchItemFailures.length);
  metrics.publishStoredMetrics();
}
