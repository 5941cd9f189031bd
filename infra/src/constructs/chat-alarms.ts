import { Duration } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import type { IWebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link ChatAlarms}. */
export interface ChatAlarmsProps {
  readonly restStage: Stage;
  /** The REST stage's access logs: API Gateway's own throttling is counted from them. */
  readonly restAccessLogGroup: ILogGroup;
  readonly socketStage: IWebSocketStage;
  /** Every Lambda of the chat services, by the name alarms show. */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly turnQueue: IQueue;
  readonly turnDeadLetterQueue: IQueue;
  /** Alarm when a turn has waited this long for the worker. */
  readonly maxTurnWait: Duration;
  readonly worker: IFunction;
  readonly workerTimeout: Duration;
  /** Namespace of the metrics this construct derives from logs. */
  readonly metricNamespace: string;
  /** Notified when an alarm fires and when it clears. */
  readonly action: IAlarmAction;
}

/**
 * What an operator must hear about in the chat services: server errors and throttling on the REST
 * API, failed socket routes, each Lambda failing or throttled, turns waiting too long, a turn given
 * up on (dead-letter queue not empty), and the worker running close to its timeout (a turn that
 * outlives it is cut off mid-answer).
 *
 * REST throttling has no metric of its own (`4XXError` mixes it with every client mistake and with
 * chat-api's per-user rate limit), so a metric filter counts access log lines whose
 * `responseType` is `THROTTLED`: API Gateway's own stage limits.
 */
export class ChatAlarms extends Construct {
  readonly alarms: readonly Alarm[];
  /** Requests API Gateway refused for the stage's rate or burst limit. */
  readonly restThrottledRequests: IMetric;

  constructor(scope: Construct, id: string, props: ChatAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const alarms: Alarm[] = [];
    const over = (alarmId: string, description: string, metric: IMetric, threshold = 0): void => {
      alarms.push(
        new Alarm(this, alarmId, {
          alarmDescription: description,
          metric,
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    };

    over(
      'RestServerErrors',
      'The chat REST API answered with 5xx (chat-api failed, timed out or could not be invoked).',
      props.restStage.metricServerError({ period, statistic: 'Sum' }),
    );

    const throttled = new MetricFilter(this, 'RestThrottledFilter', {
      logGroup: props.restAccessLogGroup,
      filterPattern: FilterPattern.stringValue('$.responseType', '=', 'THROTTLED'),
      metricNamespace: props.metricNamespace,
      metricName: 'RestThrottledRequests',
      metricValue: '1',
    });
    this.restThrottledRequests = throttled.metric({ period, statistic: 'Sum' });
    over(
      'RestThrottled',
      "The chat REST API refused requests over its stage's rate or burst limit (429).",
      this.restThrottledRequests,
    );

    over(
      'SocketExecutionErrors',
      'WebSocket routes failed inside API Gateway (authorizer or route errors).',
      props.socketStage.metric('ExecutionError', { period, statistic: 'Sum' }),
    );
    over(
      'SocketIntegrationErrors',
      'The ws-gateway Lambda failed on WebSocket routes.',
      props.socketStage.metric('IntegrationError', { period, statistic: 'Sum' }),
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      const alarmName = name
        .split('-')
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join('');
      over(
        `${alarmName}Errors`,
        `${name} invocations failed.`,
        fn.metricErrors({ period, statistic: 'Sum' }),
      );
      over(
        `${alarmName}Throttles`,
        `${name} invocations were throttled.`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
      );
    }

    over(
      'TurnDeadLetters',
      'Chat turns failed repeatedly and wait in the dead-letter queue.',
      props.turnDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
    );
    over(
      'TurnWait',
      `A chat turn has waited longer than ${props.maxTurnWait.toSeconds()} seconds for the worker.`,
      props.turnQueue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      props.maxTurnWait.toSeconds(),
    );
    // 80 % of the timeout: time to raise it (or shorten turns) before answers are cut off.
    over(
      'WorkerNearTimeout',
      `A turn ran longer than 80% of the worker's ${props.workerTimeout.toMinutes()}-minute timeout.`,
      props.worker.metricDuration({ period, statistic: 'Maximum' }),
      Math.round(props.workerTimeout.toMilliseconds() * 0.8),
    );

    for (const alarm of alarms) {
      alarm.addAlarmAction(props.action);
      alarm.addOkAction(props.action);
    }
    this.alarms = alarms;
  }
}
