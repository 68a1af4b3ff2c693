import { CONFIG_ENV_KEYS, ConfigError, loadConfig, RETIRED_SETTINGS } from './app-config';

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
      fairness: { tags: true },
      retiredSettings: [],
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
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'REDIS_URL', 'WORKER_CONCURRENCY', 'QUEUE_PREFIX'])
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
    expect(sut.fairness).toEqual({ tags: false });
  });

  it('ignores the settings of removed layers, naming each with what to do instead', () => {
    const sut = loadConfig({ EXPRESS_LANE: 'false', WORKER_LANES: 'express', FAIR_TAGS: '' });
    expect(sut.retiredSettings).toEqual([
      { name: 'EXPRESS_LANE', instead: RETIRED_SETTINGS.EXPRESS_LANE },
      { name: 'WORKER_LANES', instead: RETIRED_SETTINGS.WORKER_LANES },
    ]);
    // Still fair, whatever the old switch said: FAIR_SCHEDULING is the one that counts.
    expect(sut.fairness.tags).toBe(true);
    expect(CONFIG_ENV_KEYS).not.toEqual(expect.arrayContaining(['EXPRESS_LANE']));
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
