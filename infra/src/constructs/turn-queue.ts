import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link TurnQueue}. */
export interface TurnQueueProps {
  /** At least 6× the worker's timeout, so a running turn is not handed out a second time. */
  readonly visibilityTimeout: Duration;
  /** Receives before a turn message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The chat turns the socket handler hands to the worker (API Gateway gives a WebSocket
 * integration 29 seconds, a turn may stream for minutes), with a dead-letter queue that keeps
 * what failed `maxReceiveCount` times for 14 days. Both are encrypted with SQS managed keys and
 * refuse requests without TLS.
 */
export class TurnQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: TurnQueueProps) {
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
      // A turn nobody ran within a day is stale, but every receive must fit before it expires,
      // or a failing turn would vanish instead of reaching the dead-letter queue.
      retentionPeriod: Duration.seconds(
        Math.max(
          Duration.days(1).toSeconds(),
          props.visibilityTimeout.toSeconds() * (props.maxReceiveCount + 1),
        ),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: props.removalPolicy,
    });
  }
}
