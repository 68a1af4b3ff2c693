import { Match, Template } from 'aws-cdk-lib/assertions';
import { resourcesOf, synth } from './synth';

// One synth with every non-default branch: HTTPS, pushed ECR images, a faster queue-depth metric,
// on-demand-only workers, a longer TTL, Graviton.
describe('TaskServiceStack with non-default context', () => {
  const certificateArn =
    'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000';
  let template: Template;

  beforeAll(() => {
    template = synth({
      imageSource: 'ecr',
      apiRepository: 'ts-api',
      workerRepository: 'ts-worker',
      imageTag: 'v1.2.3',
      certificateArn,
      queueDepthEmfSeconds: '10',
      workerSpot: 'false',
      resultTtlSeconds: String(3 * 86400 + 1),
      cpuArchitecture: 'arm64',
      albIdleTimeoutSeconds: '900',
      natGateways: '1',
    }).template;
  });

  it('serves HTTPS with the given certificate and redirects HTTP to it', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: certificateArn }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [
        Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Port: '443' }) }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'idle_timeout.timeout_seconds', Value: '900' },
      ]),
    });
  });

  it('runs the pushed ECR images on ARM64', () => {
    const images = resourcesOf(template, 'AWS::ECS::TaskDefinition').map(([, td]) => {
      expect(td.Properties.RuntimePlatform).toEqual({
        CpuArchitecture: 'ARM64',
        OperatingSystemFamily: 'LINUX',
      });
      return JSON.stringify(td.Properties.ContainerDefinitions[0].Image);
    });
    expect(images.some((i) => i.includes('/ts-api:v1.2.3'))).toBe(true);
    expect(images.some((i) => i.includes('/ts-worker:v1.2.3'))).toBe(true);
  });

  it('has the api write QueueDepth at the interval asked for', () => {
    const api = resourcesOf(template, 'AWS::ECS::TaskDefinition')
      .map(([, td]) => td.Properties.ContainerDefinitions[0])
      .find((c) => c.Name === 'api');
    expect(api.Environment).toContainEqual({ Name: 'QUEUE_DEPTH_EMF_SECONDS', Value: '10' });
  });

  it('runs all workers on regular Fargate when Spot is off', () => {
    const worker = resourcesOf(template, 'AWS::ECS::Service').find(
      ([, s]) => !s.Properties.LoadBalancers?.length,
    )!;
    expect(worker[1].Properties.CapacityProviderStrategy).toBeUndefined();
    expect(worker[1].Properties.LaunchType).toBe('FARGATE');
  });

  it('expires objects after the TTL rounded up to whole days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 4 })] },
    });
    const env = resourcesOf(template, 'AWS::ECS::TaskDefinition').map(
      ([, td]) => td.Properties.ContainerDefinitions[0].Environment,
    );
    for (const e of env)
      expect(e).toContainEqual({ Name: 'RESULT_TTL_SECONDS', Value: String(3 * 86400 + 1) });
  });

  it('uses a single NAT gateway when asked', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });
});
