import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';

export interface RedisProps {
  readonly vpc: ec2.IVpc;
  readonly nodeType: string;
  /** Read replicas besides the primary, spread over the AZs; at least 1 for automatic failover. */
  readonly replicas: number;
}

export const REDIS_PORT = 6379;

/**
 * ElastiCache for Redis OSS, node-based, cluster mode disabled: one primary and a replica in the other AZ
 * with automatic failover. It holds the bull queues and the task records, so it must never evict.
 */
export class Redis extends Construct {
  readonly securityGroup: ec2.SecurityGroup;
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** `rediss://host:port` of the primary endpoint (TLS; the endpoint follows a failover). */
  readonly url: string;
  readonly host: string;
  readonly port: string;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'ElastiCache Redis: reachable only from the task service security groups',
      allowAllOutbound: false,
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Private subnets of the task service VPC',
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })
        .subnetIds,
    });

    const parameterGroup = new elasticache.CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: 'redis7',
      description: 'Task service: bull queues must never be evicted',
      properties: {
        // An evicted bull key is a lost job or a corrupt queue. With noeviction a full Redis refuses
        // writes instead: submissions fail loudly (and the memory alarm fires) while queued work survives.
        'maxmemory-policy': 'noeviction',
      },
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Task service queues and task records',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + props.replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      cacheParameterGroupName: parameterGroup.ref,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      port: REDIS_PORT,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      // A daily snapshot bounds what a lost replication group costs; queue contents are short-lived,
      // so one day is enough.
      snapshotRetentionLimit: 1,
      autoMinorVersionUpgrade: true,
    });

    this.host = this.replicationGroup.attrPrimaryEndPointAddress;
    this.port = this.replicationGroup.attrPrimaryEndPointPort;
    this.url = `rediss://${this.host}:${this.port}`;

    // With noeviction, memory is the one Redis limit that turns into failed submissions: warn early.
    // ElastiCache publishes per member node (`<group>-001`, `-002`, ...), and either can be the primary.
    const nodeMemory: Record<string, cloudwatch.IMetric> = {};
    for (let i = 1; i <= 1 + props.replicas; i++) {
      nodeMemory[`node${i}`] = new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName: 'DatabaseMemoryUsagePercentage',
        dimensionsMap: {
          CacheClusterId: `${this.replicationGroup.ref}-${String(i).padStart(3, '0')}`,
        },
        statistic: 'Maximum',
        period: Duration.minutes(1),
      });
    }
    new cloudwatch.Alarm(this, 'MemoryAlarm', {
      alarmDescription:
        'Redis memory above 80% of maxmemory; at 100% it refuses writes (noeviction)',
      metric: new cloudwatch.MathExpression({
        expression: `MAX([${Object.keys(nodeMemory).join(', ')}])`,
        usingMetrics: nodeMemory,
        label: 'DatabaseMemoryUsagePercentage (max over nodes)',
        period: Duration.minutes(1),
      }),
      threshold: 80,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Opens the Redis port to a security group (the services and the queue-depth publisher). */
  allowFrom(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(REDIS_PORT), description);
  }
}
