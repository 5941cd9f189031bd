import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link IngestionAlarms}. */
export interface IngestionAlarmsProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly function: IFunction;
  /** Alarm when the oldest waiting event is older than this. */
  readonly maxMessageAge: Duration;
  /** Notified when an alarm fires and when it clears. */
  readonly action: IAlarmAction;
}

/**
 * What an operator must hear about: an event given up on (dead-letter queue not empty), events
 * waiting too long, doc-ingestor failing or being throttled.
 */
export class IngestionAlarms extends Construct {
  readonly deadLetters: Alarm;
  readonly oldestMessageAge: Alarm;
  readonly errors: Alarm;
  readonly throttles: Alarm;

  constructor(scope: Construct, id: string, props: IngestionAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const common = {
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };

    this.deadLetters = new Alarm(this, 'DeadLetters', {
      ...common,
      alarmDescription: 'Document events failed repeatedly and wait in the dead-letter queue.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.oldestMessageAge = new Alarm(this, 'OldestMessageAge', {
      ...common,
      alarmDescription: `A document event has waited longer than ${props.maxMessageAge.toMinutes()} minutes.`,
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: props.maxMessageAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.errors = new Alarm(this, 'Errors', {
      ...common,
      alarmDescription: 'doc-ingestor invocations failed.',
      metric: props.function.metricErrors({ period, statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.throttles = new Alarm(this, 'Throttles', {
      ...common,
      alarmDescription: 'doc-ingestor invocations were throttled.',
      metric: props.function.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    for (const alarm of [this.deadLetters, this.oldestMessageAge, this.errors, this.throttles]) {
      alarm.addAlarmAction(props.action);
      alarm.addOkAction(props.action);
    }
  }
}
