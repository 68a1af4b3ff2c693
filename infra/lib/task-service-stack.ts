import { Annotations, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiService } from './api-service';
import { AppSecrets } from './app-secrets';
import { BlobBucket } from './blob-bucket';
import type { TaskServiceConfig } from './config';
import { serviceImages } from './container-images';
import { Network } from './network';
import { QueueDepthMetric } from './queue-depth-metric';
import { Redis } from './redis';
import { sharedEnvironment } from './service-environment';
import { WorkerService } from './worker-service';

export interface TaskServiceStackProps extends StackProps {
  readonly config: TaskServiceConfig;
}

/**
 * The task service on AWS (docs/deployment-aws.md): api and workers on ECS Fargate, an ALB in front of
 * the api, ElastiCache Redis for the bull queues, S3 for blobs, the queue-depth metric that scales the workers.
 */
export class TaskServiceStack extends Stack {
  readonly api: ApiService;
  readonly worker: WorkerService;
  readonly redis: Redis;
  readonly blobs: BlobBucket;

  constructor(scope: Construct, id: string, props: TaskServiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const { vpc } = new Network(this, 'Network', { natGateways: config.natGateways });

    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      // Also the source of RunningTaskCount, the denominator of the workers' scaling metric.
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.redis = new Redis(this, 'Redis', {
      vpc,
      nodeType: config.redisNodeType,
      replicas: config.redisReplicas,
    });

    this.blobs = new BlobBucket(this, 'Blobs', {
      resultTtlSeconds: config.resultTtlSeconds,
      corsAllowedOrigins: config.corsAllowedOrigins,
    });

    const secrets = new AppSecrets(this, 'Secrets', {
      apiKeysSecretName: config.apiKeysSecretName,
    });
    const images = serviceImages(this, config.images, config.arm64);
    const environment = sharedEnvironment({
      config,
      redisUrl: this.redis.url,
      bucketName: this.blobs.bucket.bucketName,
      region: this.region,
    });

    const queueDepth = new QueueDepthMetric(this, 'QueueDepth');

    this.api = new ApiService(this, 'Api', {
      cluster,
      image: images.api,
      arm64: config.arm64,
      environment: {
        ...environment,
        // Every api task writes the queue depths as EMF lines to its log group (QueueDepthMetric).
        QUEUE_DEPTH_EMF_SECONDS: String(config.queueDepthEmfSeconds),
        QUEUE_DEPTH_EMF_DEPLOYMENT: queueDepth.deployment,
      },
      secrets: secrets.containerSecrets(),
      bucket: this.blobs.bucket,
      logRetention,
      desiredCount: config.apiDesiredCount,
      maxCount: config.apiMaxCount,
      idleTimeoutSeconds: config.albIdleTimeoutSeconds,
      ingressCidr: config.ingressCidr,
      certificateArn: config.certificateArn,
    });

    this.worker = new WorkerService(this, 'Worker', {
      cluster,
      image: images.worker,
      arm64: config.arm64,
      environment,
      bucket: this.blobs.bucket,
      logRetention,
      concurrency: config.workerConcurrency,
      minCount: config.workerMinCount,
      maxCount: config.workerMaxCount,
      spot: config.workerSpot,
      queueDepth: queueDepth.metric(),
      backlogPerWorkerTarget: config.backlogPerWorkerTarget,
    });

    // Redis is reachable from the api and the workers, and from nothing else.
    this.redis.allowFrom(this.api.securityGroup, 'task service api');
    this.redis.allowFrom(this.worker.securityGroup, 'task service workers');

    if (!config.certificateArn) {
      Annotations.of(this).addWarningV2(
        'task-service:plainHttp',
        'no certificateArn context: the ALB serves plain HTTP and API keys cross the network in clear',
      );
    }

    new CfnOutput(this, 'ApiUrl', {
      value: `${config.certificateArn ? 'https' : 'http'}://${this.api.loadBalancer.loadBalancerDnsName}`,
    });
    new CfnOutput(this, 'BucketName', { value: this.blobs.bucket.bucketName });
    new CfnOutput(this, 'RedisEndpoint', { value: `${this.redis.host}:${this.redis.port}` });
    new CfnOutput(this, 'AdminTokenSecretArn', { value: secrets.adminToken.secretArn });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
  }
}
