import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { QUEUE_NAMES } from './service-environment';

/** The metric the workers scale on: jobs waiting to run, summed over the bull queues. */
export const QUEUE_DEPTH_NAMESPACE = 'TaskService';
export const QUEUE_DEPTH_METRIC = 'QueueDepth';

export interface QueueDepthPublisherProps {
  readonly vpc: ec2.IVpc;
  readonly redisHost: string;
  readonly redisPort: string;
  readonly queuePrefix: string;
  readonly logRetention: logs.RetentionDays;
  /** Publish the Lambda's metrics; false when the service publishes QueueDepth itself. */
  readonly enabled: boolean;
}

/**
 * A Lambda, run every minute, that reads the bull queue lengths from Redis and publishes
 * TaskService/QueueDepth{Deployment=<stack name>} (see lambda/queue-depth/index.js).
 */
export class QueueDepthPublisher extends Construct {
  readonly securityGroup?: ec2.SecurityGroup;
  readonly deployment: string;

  constructor(scope: Construct, id: string, props: QueueDepthPublisherProps) {
    super(scope, id);
    this.deployment = Stack.of(this).stackName;
    if (!props.enabled) return;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Queue-depth publisher Lambda (reads Redis)',
    });

    const fn = new lambda.Function(this, 'Function', {
      description:
        'Publishes bull queue depths to CloudWatch (TaskService/QueueDepth) every minute',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'lambda', 'queue-depth')),
      memorySize: 128,
      timeout: Duration.seconds(15),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention }),
      environment: {
        REDIS_HOST: props.redisHost,
        REDIS_PORT: props.redisPort,
        REDIS_TLS: 'true',
        QUEUE_PREFIX: props.queuePrefix,
        QUEUE_NAMES: QUEUE_NAMES.join(','),
        METRIC_NAMESPACE: QUEUE_DEPTH_NAMESPACE,
        DEPLOYMENT: this.deployment,
      },
    });

    new events.Rule(this, 'EveryMinute', {
      description: 'Publish the bull queue depths',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });

    // A silent publisher means a frozen worker count: say so.
    new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'Queue-depth publisher failing: worker autoscaling has no input',
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** TaskService/QueueDepth of this deployment (Average over a minute: one datapoint a minute). */
  queueDepthMetric(): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: QUEUE_DEPTH_NAMESPACE,
      metricName: QUEUE_DEPTH_METRIC,
      dimensionsMap: { Deployment: this.deployment },
      statistic: 'Average',
      period: Duration.minutes(1),
    });
  }
}
