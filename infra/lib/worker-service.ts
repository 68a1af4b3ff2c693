import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { WORKER_HTTP_PORT, livenessCommand } from './service-environment';

export interface WorkerServiceProps {
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly arm64: boolean;
  readonly environment: Record<string, string>;
  readonly bucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  readonly concurrency: number;
  readonly minCount: number;
  readonly maxCount: number;
  readonly spot: boolean;
  /** TaskService/QueueDepth for this deployment, with the statistic to scale on. */
  readonly queueDepth: cloudwatch.Metric;
  readonly backlogPerWorkerTarget: number;
}

/** S3 actions a worker needs: read inputs (ranged GETs), write results, delete expired blobs. */
export const WORKER_OBJECT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts', // the sweep leaves an upload alone while parts still arrive
];

/** The bull consumers on Fargate: no load balancer, scaled on waiting jobs per running worker. */
export class WorkerService extends Construct {
  readonly service: ecs.FargateService;
  readonly securityGroup: ec2.SecurityGroup;
  readonly taskRole: iam.IRole;
  readonly logGroup: logs.LogGroup;
  readonly scalingPolicy: appscaling.CfnScalingPolicy;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });

    // 2 vCPU: the scanner uses every core it gets (chunk jobs in parallel, a thread pool sized to the cores).
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 2048,
      memoryLimitMiB: 4096,
      runtimePlatform: {
        cpuArchitecture: props.arm64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.taskRole = taskDefinition.taskRole;

    taskDefinition.addContainer('worker', {
      image: props.image,
      command: ['node', 'dist/apps/worker/main.js'],
      // Health and metrics only; nothing outside the task connects to it.
      portMappings: [{ containerPort: WORKER_HTTP_PORT, name: 'health' }],
      environment: {
        ...props.environment,
        WORKER_HTTP_PORT: String(WORKER_HTTP_PORT),
        // More jobs than cores: a chunk job spends much of its time waiting on its S3 ranged GET
        // (one GET stream gives well under one core's 700 MB/s of scanning), so 2 per vCPU keeps
        // the cores busy. Raise it while CPU stays low under load; see docs/deployment-aws.md.
        WORKER_CONCURRENCY: String(props.concurrency),
      },
      // No secrets: ADMIN_TOKEN and API_KEYS guard HTTP routes, which only the api serves.
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'worker',
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      healthCheck: {
        command: livenessCommand(WORKER_HTTP_PORT),
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      // On scale-in, a deploy or a Spot interruption the worker gets SIGTERM, stops taking jobs and
      // finishes the ones it holds (seconds each); 120 s is Fargate's maximum. Past it, SIGKILL, and
      // bull's stalled-job check hands the jobs to another worker.
      stopTimeout: Duration.seconds(120),
    });

    taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: WORKER_OBJECT_ACTIONS,
        resources: [props.bucket.arnForObjects('*')],
      }),
    );
    // Bucket-level, this bucket only: lets S3 answer 404 (not 403) for a missing key, and lets the
    // cleanup sweep list (then abort) multipart uploads abandoned past PRESIGN_EXPIRES_SECONDS.
    taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [props.bucket.bucketArn],
      }),
    );

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.cluster.vpc,
      description: 'Task service workers (no inbound)',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      // No desiredCount: CloudFormation would reset the count to it on every deploy, dropping a
      // scaled-out fleet to the minimum in the middle of a backlog. The scalable target's minimum
      // raises a new service to minCount.
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      // Workers are safe to interrupt (graceful SIGTERM, then bull's stalled-job recovery; chunk jobs
      // are idempotent), so everything above the minimum runs on Spot at roughly a third of the price.
      capacityProviderStrategies: props.spot
        ? [
            { capacityProvider: 'FARGATE', base: props.minCount, weight: 0 },
            { capacityProvider: 'FARGATE_SPOT', weight: 1 },
          ]
        : undefined,
    });
    // The Spot strategy needs FARGATE_SPOT associated with the cluster before the service exists.
    this.service.node.addDependency(props.cluster);

    const target = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.cluster.clusterName}/${this.service.serviceName}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
      // The ECS service-linked role, as CDK's autoScaleTaskCount uses; without `role` CDK would
      // create an empty role that cannot update the service.
      role: iam.Role.fromRoleArn(
        this,
        'AutoScalingRole',
        Stack.of(this).formatArn({
          service: 'iam',
          region: '',
          resource: 'role/aws-service-role/ecs.application-autoscaling.amazonaws.com',
          resourceName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
        }),
      ),
    });

    // Target tracking on backlog per worker = QueueDepth / running worker tasks (metric math; the
    // CDK L2 takes a single metric only, hence the L1 policy). Like SQS backlog-per-instance scaling:
    // the number of workers grows with the backlog, not by fixed steps. Container Insights supplies
    // RunningTaskCount.
    const depth = props.queueDepth;
    this.scalingPolicy = new appscaling.CfnScalingPolicy(this, 'BacklogPerWorker', {
      policyName: 'backlog-per-worker',
      policyType: 'TargetTrackingScaling',
      scalingTargetId: target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.backlogPerWorkerTarget,
        // Scale out as soon as the alarm fires; scale in slowly (Fargate tasks take ~1 min to
        // start, so flapping costs more than an idle worker for a few minutes).
        scaleOutCooldown: 60,
        scaleInCooldown: 300,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'depth',
              label: 'Waiting jobs',
              returnData: false,
              metricStat: {
                metric: {
                  namespace: depth.namespace,
                  metricName: depth.metricName,
                  dimensions: Object.entries(depth.dimensions ?? {}).map(([name, value]) => ({
                    name,
                    value: String(value),
                  })),
                },
                stat: depth.statistic,
              },
            },
            {
              id: 'workers',
              label: 'Running worker tasks',
              returnData: false,
              metricStat: {
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: props.cluster.clusterName },
                    { name: 'ServiceName', value: this.service.serviceName },
                  ],
                },
                stat: 'Average',
              },
            },
            {
              id: 'backlogPerWorker',
              label: 'Waiting jobs per running worker',
              // Running count is ≥ minCapacity ≥ 1 in steady state; a 0 yields no datapoint, not a spike.
              expression: 'depth / workers',
              returnData: true,
            },
          ],
        },
      },
    });
  }
}
