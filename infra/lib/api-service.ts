import { Duration, Size } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { API_PORT, livenessCommand } from './service-environment';

export interface ApiServiceProps {
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly arm64: boolean;
  readonly environment: Record<string, string>;
  readonly secrets: Record<string, ecs.Secret>;
  readonly bucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly idleTimeoutSeconds: number;
  readonly ingressCidr: string;
  readonly certificateArn?: string;
}

/** S3 actions the api needs: stream uploads, presign multipart part PUTs, complete/abort, read results. */
export const API_OBJECT_ACTIONS = [
  's3:PutObject', // PutObject, CreateMultipartUpload, UploadPart (also what presigned part URLs are signed for), CompleteMultipartUpload
  's3:GetObject', // results, HeadObject
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts', // ListParts: check the client's parts before completing
];

/** The HTTP api on Fargate behind an internet-facing ALB. */
export class ApiService extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly taskRole: iam.IRole;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    const vpc = props.cluster.vpc;

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: {
        cpuArchitecture: props.arm64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.taskRole = taskDefinition.taskRole;

    taskDefinition.addContainer('api', {
      image: props.image,
      command: ['node', 'dist/apps/api/main.js'],
      portMappings: [{ containerPort: API_PORT, name: 'http' }],
      environment: {
        ...props.environment,
        PORT: String(API_PORT),
        // Longer than the ALB idle timeout, so the api never closes a connection the ALB is about
        // to reuse (a 502); the stall limit inside a request is UPLOAD_IDLE_TIMEOUT_MS.
        KEEP_ALIVE_TIMEOUT_MS: String((props.idleTimeoutSeconds + 5) * 1000),
      },
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'api',
        // Non-blocking: a slow CloudWatch Logs must never stall the event loop writing pino lines;
        // the price is dropping lines once the 25 MB buffer is full.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      healthCheck: {
        command: livenessCommand(API_PORT),
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      // Fargate's maximum. ECS sends SIGTERM only after the ALB has drained the target
      // (deregistration delay below); this is how long in-flight requests then get.
      stopTimeout: Duration.seconds(120),
    });

    // Least privilege: object actions on this bucket's objects, listing on this bucket only.
    taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: API_OBJECT_ACTIONS,
        resources: [props.bucket.arnForObjects('*')],
      }),
    );
    // Without s3:ListBucket, S3 answers a GET/HEAD of a missing key with 403 instead of 404, and the
    // blob store could not tell "expired" from "forbidden".
    taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }),
    );

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Task service api tasks',
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: props.desiredCount,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });

    const albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc,
      description: 'Task service ALB',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: true,
      securityGroup: albSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      // The idle timeout closes a connection on which no byte has moved for this long. A streamed
      // POST /even-sum of several GB moves bytes continuously, but can sit silent while the api
      // waits on S3 (backpressure while a part uploads, the final part and CompleteMultipartUpload
      // before the 201), and slow clients stall. 60 s (the default) cuts those; 4000 s is the ALB
      // maximum. The api's server.keepAliveTimeout must be longer than this, or the ALB reuses a
      // connection the api has just closed and answers 502.
      idleTimeout: Duration.seconds(props.idleTimeoutSeconds),
      dropInvalidHeaderFields: true,
    });

    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: API_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      // /health/live, not /health/ready: ECS replaces tasks that fail the ALB health check, and
      // readiness checks Redis and S3, which every task shares. During a Redis failover all tasks
      // would turn unready at once and ECS would kill and restart the whole fleet, which fixes
      // nothing and drops every in-flight upload. Liveness only fails for a broken process.
      healthCheck: {
        path: '/health/live',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // On deploys and scale-in the ALB stops sending new requests and gives running ones this long
      // before ECS stops the task. Uploads that go direct to S3 never pass through here.
      deregistrationDelay: Duration.seconds(300),
    });

    let listener: elbv2.ApplicationListener;
    if (props.certificateArn) {
      listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [
          acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
        ],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultTargetGroups: [targetGroup],
      });
      listener.connections.allowDefaultPortFrom(
        ec2.Peer.ipv4(props.ingressCidr),
        'HTTPS from clients',
      );
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
      albSecurityGroup.addIngressRule(
        ec2.Peer.ipv4(props.ingressCidr),
        ec2.Port.tcp(80),
        'HTTP redirect',
      );
    } else {
      listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultTargetGroups: [targetGroup],
      });
      listener.connections.allowDefaultPortFrom(
        ec2.Peer.ipv4(props.ingressCidr),
        'HTTP from clients',
      );
    }

    // /metrics is open by design (for a scraper inside the network); through the ALB it would be
    // open to the internet. A Prometheus scraper runs as a sidecar in the task and reads localhost.
    listener.addAction('HideMetrics', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: '{"error":"not found"}',
      }),
    });

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.desiredCount,
      maxCapacity: props.maxCount,
    });
    // The api mostly moves bytes and waits on Redis/S3; CPU is a fair proxy for its load.
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
  }
}
