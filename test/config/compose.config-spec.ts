import { spawnSync } from 'node:child_process';
import { loadConfig } from '@app/tasks/config';
import {
  ALLOWED_ENV,
  compose,
  composeEnv,
  DEFAULTS,
  Doc,
  read,
  ROOT,
  services,
  yaml,
} from '../support/deploy-files';

// docker-compose.yml and the Prometheus/Grafana provisioning of its observability profile,
// checked against the apps' real config schema.

describe('docker-compose.yml', () => {
  const apps = ['api', 'worker'];

  it('gives the app containers only variables of the config schema, with values it accepts', () => {
    for (const name of apps) {
      const env = composeEnv(services[name]);
      expect({ name, unknown: Object.keys(env).filter((k) => !ALLOWED_ENV.has(k)) }).toEqual({
        name,
        unknown: [],
      });
      expect(() => loadConfig(env)).not.toThrow();
    }
    const [api, ...workers] = apps.map((n) => composeEnv(services[n]));
    for (const worker of workers)
      for (const key of ['REDIS_URL', 'QUEUE_PREFIX', 'STORAGE', 'DATA_DIR'])
        expect({ key, value: worker[key] }).toEqual({ key, value: api[key] });
    expect(new URL(api.REDIS_URL).hostname).toBe('redis');
  });

  it('runs Redis persistent (append-only on a volume), with noeviction and a healthcheck', () => {
    const redis = services.redis;
    expect(redis.image).toMatch(/^redis:\d/);
    const command = [redis.command].flat().join(' ');
    expect(command).toMatch(/--appendonly\s+"?yes/);
    expect(command).toMatch(/--maxmemory-policy\s+noeviction/);
    expect(redis.volumes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[\w-]+:\/data$/)]),
    );
    expect(redis.healthcheck.test.join(' ')).toMatch(/redis-cli.*ping/);
  });

  it('starts the api and two workers once Redis is healthy; only the api publishes a port', () => {
    for (const name of apps)
      expect(services[name].depends_on.redis.condition).toBe('service_healthy');
    expect(services.api.ports).toEqual([`${DEFAULTS.port}:${DEFAULTS.port}`]);
    expect(services.worker.deploy.replicas).toBe(2);
    expect(services.worker.ports).toBeUndefined();
    for (const name of [...apps, 'redis']) expect(services[name].profiles).toBeUndefined();
  });

  it('runs every app container at the same CPU weight (no layer of OS priorities)', () => {
    for (const name of apps) expect({ name, shares: services[name].cpu_shares }).toEqual({ name });
  });

  it('mounts one named volume at DATA_DIR in the api and the workers', () => {
    const mounts = apps.map((name) => {
      const dataDir = composeEnv(services[name]).DATA_DIR;
      const mount = (services[name].volumes as string[]).find((v) => v.split(':')[1] === dataDir);
      return { dataDir, source: mount?.split(':')[0] };
    });
    expect(mounts[0].source).toMatch(/^[\w-]+$/);
    for (const mount of mounts.slice(1)) expect(mount).toEqual(mounts[0]);
    expect(Object.keys(compose.volumes)).toContain(mounts[0].source);
    expect(composeEnv(services.api).STORAGE ?? 'fs').toBe('fs');
  });

  it('is accepted by `docker compose config` (skipped only when no compose binary exists)', () => {
    const candidates: [string, string[]][] = [
      ['docker', ['compose']],
      ['docker-compose', []],
    ];
    const found = candidates.find(([bin, pre]) => spawnSync(bin, [...pre, 'version']).status === 0);
    if (!found) {
      console.info(
        'docker compose config: neither `docker compose` nor `docker-compose` is installed here; only this check is skipped',
      );
      expect(found).toBeUndefined();
      return;
    }
    const [bin, pre] = found;
    for (const profile of [[], ['--profile', 'observability']]) {
      const run = spawnSync(
        bin,
        [...pre, '-f', 'docker-compose.yml', ...profile, 'config', '--quiet'],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect({ profile, status: run.status, stderr: run.stderr }).toEqual({
        profile,
        status: 0,
        stderr: expect.anything(),
      });
    }
  });
});

describe('observability profile', () => {
  const mountOf = (service: string, source: string) =>
    (services[service].volumes as string[]).find((v) => v.startsWith(`${source}:`))?.split(':')[1];

  it('runs Prometheus and Grafana only with --profile observability', () => {
    expect(services.prometheus.profiles).toEqual(['observability']);
    expect(services.grafana.profiles).toEqual(['observability']);
    expect(mountOf('prometheus', './deploy/prometheus/prometheus.yml')).toBe(
      '/etc/prometheus/prometheus.yml',
    );
  });

  it('scrapes /metrics of the api and of every worker replica', () => {
    const jobs = yaml('deploy/prometheus/prometheus.yml').scrape_configs as Doc[];
    const targets = jobs.flatMap((j) => [
      ...(j.static_configs ?? [])
        .flatMap((s: Doc) => s.targets)
        .map((t: string) => `${j.metrics_path ?? '/metrics'} ${t}`),
      ...(j.dns_sd_configs ?? []).flatMap((d: Doc) =>
        d.names.map((n: string) => `${j.metrics_path ?? '/metrics'} ${n}:${d.port} ${d.type}`),
      ),
    ]);
    expect(targets).toEqual(
      expect.arrayContaining([
        `/metrics api:${DEFAULTS.port}`,
        `/metrics worker:${DEFAULTS.workerHttpPort} A`,
      ]),
    );
  });

  it('provisions Grafana with Prometheus and a dashboard over the task metrics', () => {
    const datasource = (
      yaml('deploy/grafana/provisioning/datasources/prometheus.yml').datasources as Doc[]
    )[0];
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(mountOf('grafana', './deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const provider = (
      yaml('deploy/grafana/provisioning/dashboards/task-service.yml').providers as Doc[]
    )[0];
    expect(mountOf('grafana', './deploy/grafana/dashboards')).toBe(provider.options.path);

    const dashboard = JSON.parse(read('deploy/grafana/dashboards/task-service.json'));
    const targets = (dashboard.panels as Doc[]).flatMap((p) => p.targets as Doc[]);
    expect(targets.every((t) => t.datasource.uid === datasource.uid)).toBe(true);
    const exprs = targets.map((t) => String(t.expr).replace(/\s+/g, ' '));
    const has = (pattern: RegExp) =>
      expect({ pattern, found: exprs.some((e) => pattern.test(e)) }).toEqual({
        pattern,
        found: true,
      });
    for (const metric of ['task_lead_time_seconds', 'task_execution_seconds']) {
      for (const q of ['0.5', '0.95'])
        has(
          new RegExp(
            `histogram_quantile\\(${q}, sum by \\(task, le\\) \\(rate\\(${metric}_bucket\\[`,
          ),
        );
    }
    has(/histogram_quantile\(0\.95, .*task_queue_wait_seconds_bucket/);
    has(/histogram_quantile\(0\.95, .*even_sum_chunk_seconds_bucket/);
    has(/sum by \(task, outcome\) \(rate\(tasks_finished_total\[5m\]\)\)/);
    has(/rate\(tasks_submitted_total\[5m\]\)/);
    has(/by \(queue, state\) \(queue_jobs\)/);
  });
});
