import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
// The library's own definition of what the api writes (a file with no dependencies beyond the
// queue names): the metric read here cannot drift from the one written there.
import { QUEUE_DEPTH_METRIC } from '../../libs/tasks/src/metrics/queue-depth-emf';

/**
 * TaskService/QueueDepth{Deployment=<stack name>}: jobs waiting to run, written by every api task as
 * CloudWatch embedded-metric-format log lines every QUEUE_DEPTH_EMF_SECONDS (see
 * apps/api/src/metrics/queue-depth-emf.publisher.ts). CloudWatch Logs extracts them from the api's
 * log group: no Lambda, no Redis access from outside the service, no PutMetricData permission.
 */
export class QueueDepthMetric extends Construct {
  /** The `Deployment` dimension, and QUEUE_DEPTH_EMF_DEPLOYMENT of the api. */
  readonly deployment: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deployment = Stack.of(this).stackName;

    // No datapoint for 5 minutes means a frozen worker count (every api task down, or Redis
    // unreadable, or the lines no longer parsed): say so.
    new cloudwatch.Alarm(this, 'MissingAlarm', {
      alarmDescription: 'No TaskService/QueueDepth from the api: worker autoscaling has no input',
      metric: this.metric({ statistic: 'SampleCount', period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /**
   * The metric, Maximum over a minute: each api task writes the same depth (read from the one
   * Redis), so the maximum is that depth whatever the number of api tasks; Sum would multiply it.
   */
  metric(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: QUEUE_DEPTH_METRIC.namespace,
      metricName: QUEUE_DEPTH_METRIC.name,
      dimensionsMap: { [QUEUE_DEPTH_METRIC.dimension]: this.deployment },
      statistic: 'Maximum',
      period: Duration.minutes(1),
      ...props,
    });
  }
}
