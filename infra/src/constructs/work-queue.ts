import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link WorkQueue}. */
export interface WorkQueueProps {
  /** At least 6× the consumer's timeout, so a message is not handed out twice while it runs. */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** How long an unconsumed message stays (raised if every receive would not fit in it). */
  readonly retentionPeriod: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A queue feeding a Lambda consumer, with a dead-letter queue that keeps what failed
 * `maxReceiveCount` times for 14 days. Both are encrypted with SQS managed keys (S3 can publish
 * to those without a key policy) and refuse requests without TLS. Used for S3's object events to
 * doc-ingestor and for the chat turns the socket handler hands to the worker.
 */
export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      // Every receive must fit before the message expires, or a failing message would vanish
      // instead of reaching the dead-letter queue.
      retentionPeriod: Duration.seconds(
        Math.max(
          props.retentionPeriod.toSeconds(),
          props.visibilityTimeout.toSeconds() * (props.maxReceiveCount + 1),
        ),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: props.removalPolicy,
    });
  }
}
