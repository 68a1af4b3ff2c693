import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  bucketRefOf,
  containerOf,
  envOf,
  fakeRepoRoot,
  resourcesOf,
  synth,
  Synthesized,
} from './synth';

// The default stack's compute: the two ECS services, the ALB, the worker scaling. One synth.
describe('TaskServiceStack services', () => {
  let repoRoot: string;
  let sut: Synthesized;
  let template: Template;

  beforeAll(() => {
    repoRoot = fakeRepoRoot();
    sut = synth({ repoRoot });
    template = sut.template;
  });
  afterAll(() => fs.rmSync(repoRoot, { recursive: true, force: true }));

  const container = (name: string) => containerOf(template, name);
  const bucketRef = () => bucketRefOf(template);

  describe('ECS services', () => {
    it('runs exactly two Fargate services, the api behind the ALB and the worker without one', () => {
      const services = resourcesOf(template, 'AWS::ECS::Service');
      expect(services).toHaveLength(2);
      const withLb = services.filter(([, s]) => (s.Properties.LoadBalancers ?? []).length > 0);
      expect(withLb).toHaveLength(1);
      expect(withLb[0][1].Properties.LoadBalancers[0]).toMatchObject({
        ContainerName: 'api',
        ContainerPort: 5000,
      });
      for (const [, s] of services) {
        expect(s.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe(
          'DISABLED',
        );
        expect(s.Properties.DeploymentConfiguration.DeploymentCircuitBreaker).toEqual({
          Enable: true,
          Rollback: true,
        });
      }
    });

    it('starts the api on port 5000 with a liveness health check on /health/live', () => {
      const api = container('api');
      expect(api.Command).toEqual(['node', 'dist/apps/api/main.js']);
      expect(api.PortMappings.map((p) => p.ContainerPort)).toEqual([5000]);
      expect(envOf(api).PORT).toBe('5000');
      expect(api.HealthCheck.Command.join(' ')).toContain('http://127.0.0.1:5000/health/live');
    });

    it('starts the worker with its health/metrics server on port 5001 and a concurrency', () => {
      const worker = container('worker');
      expect(worker.Command).toEqual(['node', 'dist/apps/worker/main.js']);
      expect(worker.PortMappings.map((p) => p.ContainerPort)).toEqual([5001]);
      expect(envOf(worker)).toMatchObject({ WORKER_HTTP_PORT: '5001', WORKER_CONCURRENCY: '4' });
      expect(worker.HealthCheck.Command.join(' ')).toContain('http://127.0.0.1:5001/health/live');
      expect(worker.StopTimeout).toBe(120);
    });

    it('gives both containers S3 storage, the TLS Redis endpoint and the hash-tagged queue prefix', () => {
      for (const name of ['api', 'worker']) {
        const env = envOf(container(name));
        expect(env).toMatchObject({
          STORAGE: 's3',
          QUEUE_PREFIX: '{tasks}',
          RESULT_TTL_SECONDS: '86400',
          FAIR_SCHEDULING: 'true',
          LOG_LEVEL: 'info',
          S3_BUCKET: bucketRef(),
          S3_REGION: { Ref: 'AWS::Region' },
        });
        expect(JSON.stringify(env.REDIS_URL)).toContain('rediss://');
        expect(JSON.stringify(env.REDIS_URL)).toContain('PrimaryEndPoint.Address');
        expect(env).not.toHaveProperty('DATA_DIR');
      }
    });

    it('injects ADMIN_TOKEN and API_KEYS into the api from Secrets Manager, not as plain env', () => {
      const api = container('api');
      expect(api.Secrets?.map((s) => s.Name).sort()).toEqual(['ADMIN_TOKEN', 'API_KEYS']);
      expect(JSON.stringify(api.Secrets)).toContain(':secret:task-service/api-keys');
      expect(envOf(api)).not.toHaveProperty('ADMIN_TOKEN');
      expect(envOf(api)).not.toHaveProperty('API_KEYS');
      expect(container('worker').Secrets).toBeUndefined();
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      });
    });

    it('builds both images from the repo Dockerfile, APP=api and APP=worker, as deploy-time assets, leaving node_modules and infra out', () => {
      const images = Object.values(sut.assets.dockerImages);
      expect(
        images.map((i) => ({ file: i.source.dockerFile, args: i.source.dockerBuildArgs })),
      ).toEqual(
        expect.arrayContaining([
          { file: 'Dockerfile', args: { APP: 'api' } },
          { file: 'Dockerfile', args: { APP: 'worker' } },
        ]),
      );
      expect(images).toHaveLength(2);
      for (const image of images) expect(image.source.platform).toBe('linux/amd64');
      for (const image of images) {
        const context = path.join(sut.outdir, image.source.directory);
        expect(fs.existsSync(path.join(context, image.source.dockerFile!))).toBe(true);
        expect(fs.existsSync(path.join(context, 'package.json'))).toBe(true);
        expect(fs.existsSync(path.join(context, 'node_modules'))).toBe(false);
      }
      for (const name of ['api', 'worker']) {
        expect(JSON.stringify(container(name))).toContain('container-assets');
      }
    });
  });

  describe('ALB', () => {
    it('raises the idle timeout to 4000 s for long uploads', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Scheme: 'internet-facing',
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'idle_timeout.timeout_seconds', Value: '4000' },
        ]),
      });
    });

    it('health-checks the api on /health/live and drains targets for 300 s', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: 5000,
        Protocol: 'HTTP',
        TargetType: 'ip',
        HealthCheckPath: '/health/live',
        TargetGroupAttributes: Match.arrayWith([
          { Key: 'deregistration_delay.timeout_seconds', Value: '300' },
        ]),
      });
    });

    it('does not expose /metrics to the internet', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } },
        ],
        Actions: [
          Match.objectLike({
            Type: 'fixed-response',
            FixedResponseConfig: Match.objectLike({ StatusCode: '404' }),
          }),
        ],
      });
    });

    it('listens on plain HTTP 80 when no certificate is given', () => {
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
      });
    });
  });

  describe('worker autoscaling', () => {
    const backlogPolicy = () => {
      const policies = resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').filter(
        ([, p]) =>
          p.Properties.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification,
      );
      expect(policies).toHaveLength(1);
      return policies[0][1].Properties;
    };

    it('tracks waiting jobs per running worker, from TaskService/QueueDepth', () => {
      const config = backlogPolicy().TargetTrackingScalingPolicyConfiguration;
      expect(config.TargetValue).toBe(50);
      const metrics = config.CustomizedMetricSpecification.Metrics;
      const depth = metrics.find((m: any) => m.Id === 'depth');
      expect(depth.MetricStat.Metric).toEqual({
        Namespace: 'TaskService',
        MetricName: 'QueueDepth',
        Dimensions: [{ Name: 'Deployment', Value: 'TaskService' }],
      });
      // Every api task writes the same depth: the maximum is it, whatever the api task count.
      expect(depth.MetricStat.Stat).toBe('Maximum');
      const workers = metrics.find((m: any) => m.Id === 'workers');
      expect(workers.MetricStat.Metric).toMatchObject({
        Namespace: 'ECS/ContainerInsights',
        MetricName: 'RunningTaskCount',
      });
      const returned = metrics.filter((m: any) => m.ReturnData);
      expect(returned).toEqual([expect.objectContaining({ Expression: 'depth / workers' })]);
    });

    it('scales the worker service between 2 and 20 tasks with the ECS service-linked role', () => {
      const targetId = backlogPolicy().ScalingTargetId.Ref;
      const target = template.toJSON().Resources[targetId].Properties;
      expect(target).toMatchObject({
        MinCapacity: 2,
        MaxCapacity: 20,
        ScalableDimension: 'ecs:service:DesiredCount',
      });
      const workerService = resourcesOf(template, 'AWS::ECS::Service').find(
        ([, s]) => !s.Properties.LoadBalancers?.length,
      )!;
      expect(JSON.stringify(target.ResourceId)).toContain(workerService[0]);
      expect(JSON.stringify(target.RoleARN)).toContain(
        'AWSServiceRoleForApplicationAutoScaling_ECSService',
      );
    });

    it('runs the minimum on Fargate and the rest on Fargate Spot, after the cluster has both providers', () => {
      const [id, worker] = resourcesOf(template, 'AWS::ECS::Service').find(
        ([, s]) => !s.Properties.LoadBalancers?.length,
      )!;
      expect(worker.Properties.CapacityProviderStrategy).toEqual([
        { CapacityProvider: 'FARGATE', Base: 2, Weight: 0 },
        { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
      ]);
      expect(worker.Properties.DesiredCount).toBeUndefined();
      const [assocId] = resourcesOf(template, 'AWS::ECS::ClusterCapacityProviderAssociations')[0];
      expect(template.toJSON().Resources[id].DependsOn).toContain(assocId);
    });

    it('enables Container Insights, the source of RunningTaskCount', () => {
      template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      });
    });

    it('has the api write QueueDepth as EMF lines every 30 s under the stack name, and no Lambda', () => {
      expect(envOf(container('api'))).toMatchObject({
        QUEUE_DEPTH_EMF_SECONDS: '30',
        QUEUE_DEPTH_EMF_DEPLOYMENT: 'TaskService',
      });
      expect(envOf(container('worker'))).not.toHaveProperty('QUEUE_DEPTH_EMF_SECONDS');
      // The only function left is CDK's own (it strips the VPC default security group's rules).
      const functions = resourcesOf(template, 'AWS::Lambda::Function').map(
        ([, f]) => f.Properties.Handler,
      );
      expect(functions).toEqual(['__entrypoint__.handler']);
      template.resourceCountIs('AWS::Events::Rule', 0);
      // EMF needs no API call: nobody may PutMetricData.
      expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain(
        'cloudwatch:PutMetricData',
      );
    });

    it('alarms when QueueDepth has had no datapoint for 5 minutes (frozen worker count)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'TaskService',
        MetricName: 'QueueDepth',
        Dimensions: [{ Name: 'Deployment', Value: 'TaskService' }],
        Statistic: 'SampleCount',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    });
  });
});
