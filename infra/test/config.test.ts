import * as path from 'node:path';
import { expirationDays } from '../lib/blob-bucket';
import { ConfigError, loadConfig } from '../lib/config';

const from = (context: Record<string, unknown>) => (key: string) => context[key];

describe(loadConfig.name, () => {
  it('defaults to images built from the repo root, two NAT gateways, 2-20 workers and the hash-tagged prefix', () => {
    const sut = loadConfig(from({}));
    expect(sut.images).toEqual({ kind: 'asset', repoRoot: path.resolve(__dirname, '..', '..') });
    expect(sut).toMatchObject({
      natGateways: 2,
      albIdleTimeoutSeconds: 4000,
      workerMinCount: 2,
      workerMaxCount: 20,
      workerConcurrency: 4,
      queuePrefix: '{tasks}',
      resultTtlSeconds: 86400,
      logRetentionDays: 30,
      queueDepthEmfSeconds: 30,
      apiKeysSecretName: 'task-service/api-keys',
    });
    expect(sut.certificateArn).toBeUndefined();
  });

  it('reads strings from -c key=value the same as typed values from cdk.json', () => {
    const fromCli = loadConfig(
      from({
        workerMaxCount: '40',
        workerSpot: 'false',
        corsAllowedOrigins: 'https://a.example, https://b.example',
      }),
    );
    const fromJson = loadConfig(
      from({
        workerMaxCount: 40,
        workerSpot: false,
        corsAllowedOrigins: 'https://a.example,https://b.example',
      }),
    );
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.corsAllowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('selects pushed ECR images with imageSource=ecr', () => {
    const sut = loadConfig(from({ imageSource: 'ecr', apiRepository: 'my-api', imageTag: 'v7' }));
    expect(sut.images).toEqual({
      kind: 'ecr',
      apiRepository: 'my-api',
      workerRepository: 'task-service-worker',
      tag: 'v7',
    });
  });

  it('lists every bad value at once', () => {
    const bad = from({
      imageSource: 'docker-hub',
      workerMinCount: 5,
      workerMaxCount: 3,
      albIdleTimeoutSeconds: 5000,
      queuePrefix: 'tasks',
      logRetentionDays: 31,
      workerSpot: 'maybe',
      queueDepthEmfSeconds: 61,
    });
    expect(() => loadConfig(bad)).toThrow(ConfigError);
    try {
      loadConfig(bad);
    } catch (err) {
      const message = (err as Error).message;
      for (const key of [
        'imageSource',
        'workerMaxCount',
        'albIdleTimeoutSeconds',
        'queuePrefix',
        'logRetentionDays',
        'workerSpot',
        'queueDepthEmfSeconds',
      ]) {
        expect(message).toContain(key);
      }
    }
  });
});

describe(expirationDays.name, () => {
  it('rounds RESULT_TTL_SECONDS up to whole days, at least one', () => {
    expect(expirationDays(60)).toBe(1);
    expect(expirationDays(86400)).toBe(1);
    expect(expirationDays(86401)).toBe(2);
    expect(expirationDays(7 * 86400)).toBe(7);
  });
});
