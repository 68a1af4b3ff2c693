import { CONFIG_ENV_KEYS, ConfigError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('gives the documented defaults for an empty environment', () => {
    const sut = loadConfig({});
    expect(sut).toMatchObject({
      port: 5000,
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'tasks',
      storage: { kind: 'fs', dataDir: './data' },
      workerHttpPort: 5001,
      maxImageBytes: 20 * 1024 * 1024,
      maxUploadBytes: 10 * 1024 ** 3,
      chunkBytes: 64 * 1024 * 1024,
      resultTtlSeconds: 86400,
      fairness: { tags: true, expressLane: true, gateOrder: 'least-recent-cpu' },
      workerNice: 0,
      workerLanes: 'all',
    });
    expect(sut.workerConcurrency).toBeGreaterThanOrEqual(1);
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        REDIS_URL: 'not a url',
        WORKER_CONCURRENCY: '0',
        QUEUE_PREFIX: 'a b',
        WORKER_NICE: '20',
        WORKER_LANES: 'fast',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'PORT',
      'REDIS_URL',
      'WORKER_CONCURRENCY',
      'QUEUE_PREFIX',
      'WORKER_NICE',
      'WORKER_LANES',
    ])
      expect(message).toContain(`${name}:`);
  });

  it('reads values and treats empty strings as unset', () => {
    const sut = loadConfig({
      PORT: '8080',
      QUEUE_PREFIX: '{t1}',
      ADMIN_TOKEN: '',
      FAIR_SCHEDULING: 'false',
    });
    expect(sut.port).toBe(8080);
    expect(sut.queuePrefix).toBe('{t1}');
    expect(sut.adminToken).toBeUndefined();
    expect(sut.fairness).toEqual({
      tags: false,
      expressLane: false,
      gateOrder: 'least-recent-cpu',
    });
  });

  it('nices a normal-lane worker by default, which yields to the express worker beside it', () => {
    expect(loadConfig({ WORKER_LANES: 'normal' }).workerNice).toBe(10);
    expect(loadConfig({ WORKER_LANES: 'express' }).workerNice).toBe(0);
    expect(loadConfig({ WORKER_LANES: 'normal', WORKER_NICE: '3' }).workerNice).toBe(3);
  });

  it('switches the fairness layers one by one', () => {
    const sut = loadConfig({ FAIR_TAGS: 'false', CPU_GATE_ORDER: 'fifo' });
    expect(sut.fairness).toEqual({ tags: false, expressLane: true, gateOrder: 'fifo' });
  });

  it('bounds image bodies in flight by default: 128 MiB in all, 64 MiB per client, 30 s per body', () => {
    expect(loadConfig({})).toMatchObject({
      maxImageBytesInFlight: 128 * 1024 * 1024,
      maxImageBytesInFlightPerClient: 64 * 1024 * 1024,
      imageBodyTimeoutMs: 30_000,
    });
  });

  it('refuses image-bytes-in-flight caps below MAX_IMAGE_BYTES, naming both settings', () => {
    expect(() =>
      loadConfig({ MAX_IMAGE_BYTES: '1000', MAX_CLIENT_BYTES_IN_FLIGHT: '999' }),
    ).toThrow('MAX_CLIENT_BYTES_IN_FLIGHT: must be at least MAX_IMAGE_BYTES (1000)');
    expect(() => loadConfig({ MAX_IMAGE_BYTES: '1000', MAX_IMAGE_BYTES_IN_FLIGHT: '999' })).toThrow(
      'MAX_IMAGE_BYTES_IN_FLIGHT: must be at least MAX_IMAGE_BYTES (1000)',
    );
  });

  it('writes no queue-depth EMF lines unless QUEUE_DEPTH_EMF_SECONDS is set; the deployment defaults to the prefix', () => {
    expect(loadConfig({}).queueDepthEmf).toBeUndefined();
    expect(loadConfig({ QUEUE_DEPTH_EMF_SECONDS: '0' }).queueDepthEmf).toBeUndefined();
    expect(
      loadConfig({ QUEUE_DEPTH_EMF_SECONDS: '30', QUEUE_PREFIX: '{t}' }).queueDepthEmf,
    ).toEqual({ intervalSeconds: 30, deployment: '{t}' });
    expect(
      loadConfig({ QUEUE_DEPTH_EMF_SECONDS: '5', QUEUE_DEPTH_EMF_DEPLOYMENT: 'Prod' })
        .queueDepthEmf,
    ).toEqual({ intervalSeconds: 5, deployment: 'Prod' });
  });

  it('requires S3_BUCKET with STORAGE=s3', () => {
    expect(() => loadConfig({ STORAGE: 's3' })).toThrow('S3_BUCKET: required when STORAGE=s3');
  });

  it('names every variable it reads', () => {
    expect(CONFIG_ENV_KEYS).toEqual(
      expect.arrayContaining([
        'PORT',
        'REDIS_URL',
        'QUEUE_PREFIX',
        'DATA_DIR',
        'WORKER_HTTP_PORT',
        'WORKER_CONCURRENCY',
        'LOG_LEVEL',
        'MAX_IMAGE_BYTES',
        'RESULT_TTL_SECONDS',
        'CHUNK_BYTES',
        'MAX_UPLOAD_BYTES',
      ]),
    );
  });
});
