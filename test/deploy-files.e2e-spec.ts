import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { CONFIG_ENV_KEYS, loadConfig } from '@app/tasks/config/app-config';

// Offline checks of the container setup (no Docker engine on the build machines): the Dockerfile,
// docker-compose.yml, Prometheus/Grafana provisioning and Travis, against the apps' real config.

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// Compose files use merge keys (`<<: *anchor`), which YAML 1.2's core schema leaves out.
const yaml = (path: string) => load(read(path), { schema: CORE_SCHEMA.withTags(mergeTag) }) as Doc;
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML/JSON
const TEST_COMMAND = 'npm ci && npm test';
const DEFAULTS = loadConfig({});

/**
 * Variables images may set that are not app config: they tune Node and glibc, not the service.
 * NODE_ENV: production mode of libraries; MALLOC_ARENA_MAX / UV_THREADPOOL_SIZE: memory and
 * threadpool sizing (see the Dockerfile); NODE_OPTIONS: heap size flags where needed.
 */
const RUNTIME_ENV = ['NODE_ENV', 'MALLOC_ARENA_MAX', 'UV_THREADPOOL_SIZE', 'NODE_OPTIONS'];
const ALLOWED_ENV = new Set<string>([...CONFIG_ENV_KEYS, ...RUNTIME_ENV]);

interface Instruction {
  stage: number;
  keyword: string;
  args: string;
}

/** Dockerfile instructions: continuations joined, comments dropped, each tagged with its stage. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [, keyword, args] = /^\s*(\S+)\s*(.*)$/.exec(line)!;
      if (keyword.toUpperCase() === 'FROM') stage++;
      return { stage, keyword: keyword.toUpperCase(), args: args.trim() };
    });
}

/**
 * The instructions as BuildKit sees them with `--build-arg name=value`: `$name`/`${name}` replaced in
 * a FROM when a global `ARG name` (before the first FROM) declares it, and elsewhere only after an
 * `ARG name` in the same stage, as Docker's scoping rules say (undeclared, it stays empty in RUN).
 */
function withBuildArg(instructions: Instruction[], name: string, value: string): Instruction[] {
  const declares = (i: Instruction) => i.keyword === 'ARG' && i.args.split('=')[0] === name;
  const reference = new RegExp(`\\$\\{${name}\\}|\\$${name}\\b`, 'g');
  const global = instructions.some((i) => i.stage === -1 && declares(i));
  return instructions.map((i, index) => {
    const inScope =
      i.keyword === 'FROM'
        ? global
        : instructions.slice(0, index).some((j) => j.stage === i.stage && declares(j));
    return inScope ? { ...i, args: i.args.replace(reference, value) } : i;
  });
}

/** The instructions that make up stage `stage`'s image: those of the stage it is FROM, then its own. */
function imageOf(instructions: Instruction[], stage: number): Instruction[] {
  const own = instructions.filter((i) => i.stage === stage);
  const parentName = own[0].args.split(/\s+/)[0].toLowerCase();
  const parent = instructions.find(
    (i) =>
      i.keyword === 'FROM' &&
      i.stage < stage &&
      /\bAS\s+(\S+)$/i.exec(i.args)?.[1].toLowerCase() === parentName,
  );
  return parent ? [...imageOf(instructions, parent.stage), ...own] : own;
}

/** `ENV A=1 B="x y"` and the legacy `ENV A 1`. */
function envOf(args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  const pairs = args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g);
  return Object.fromEntries([...pairs].map(([, k, v]) => [k, v.replace(/^"(.*)"$/, '$1')]));
}

/** A compose `environment` (map or list) with `${VAR:-default}` resolved as with an empty shell env. */
function composeEnv(service: Doc): Record<string, string> {
  const raw = service.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((e: string) => e.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(raw);
  return Object.fromEntries(
    entries.map(([k, v]) => [k, String(v ?? '').replace(/\$\{\w+(?::?-([^}]*))?\}/g, '$1')]),
  );
}

const execForm = (args: string): string[] => JSON.parse(args.replace(/^CMD\s+/, ''));

const compose = yaml('docker-compose.yml');
const services: Doc = compose.services;

describe.each([
  { app: 'api', portKey: 'PORT', port: DEFAULTS.port },
  { app: 'worker', portKey: 'WORKER_HTTP_PORT', port: DEFAULTS.workerHttpPort },
])('Dockerfile with APP=$app', ({ app, portKey, port }) => {
  // One Dockerfile for both apps: the image is its last stage as built with --build-arg APP=<app>.
  const instructions = withBuildArg(parseDockerfile(read('Dockerfile')), 'APP', app);
  const last = Math.max(...instructions.map((i) => i.stage));
  const final = imageOf(instructions, last);
  const one = (keyword: string) => final.filter((i) => i.keyword === keyword).at(-1)?.args ?? '';
  const envIn = (from: Instruction[]) =>
    Object.assign({}, ...from.filter((i) => i.keyword === 'ENV').map((i) => envOf(i.args)));
  // What the container starts with; every stage's ENV is still checked against the schema.
  const env: Record<string, string> = envIn(final);
  const service = Object.values(services).find((s: Doc) => s.build?.args?.APP === app) as Doc;

  it('takes APP as a build argument without a default, and compose passes it', () => {
    const globalArgs = instructions.filter((i) => i.stage === -1).map((i) => i.args);
    expect(globalArgs).toEqual(['APP']);
    expect(service).toBeDefined();
    expect({ context: service.build.context, dockerfile: service.build.dockerfile }).toEqual({
      context: '.',
      dockerfile: 'Dockerfile',
    });
  });

  it('sets only variables of the config schema, plus the allow-listed runtime ones', () => {
    const everyStage = envIn(instructions);
    expect(Object.keys(everyStage).filter((k) => !ALLOWED_ENV.has(k))).toEqual([]);
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      MALLOC_ARENA_MAX: expect.stringMatching(/^\d+$/),
      UV_THREADPOOL_SIZE: expect.stringMatching(/^\d+$/),
    });
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('builds from a slim glibc Node LTS image, never alpine', () => {
    const stageNames = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1]);
    const bases = instructions
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.args.split(/\s+/)[0])
      .filter((b) => !stageNames.includes(b));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      const [, major] = /^node:(\d+)(?:\.[\d.]+)?-(?:bookworm|trixie)-slim$/.exec(base) ?? [];
      expect({ base, lts: Number(major) % 2 === 0 && Number(major) >= 22 }).toEqual({
        base,
        lts: true,
      });
    }
  });

  it('installs dependencies inside the image and ships only production ones', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /npm prune --omit=dev|npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.filter((r) => /--omit=optional|--no-optional/.test(r))).toEqual([]); // sharp's binaries are optional deps
    const hostCopies = instructions.filter(
      (i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !i.args.includes('--from='),
    );
    expect(hostCopies.filter((i) => i.args.includes('node_modules'))).toEqual([]);
    expect(
      read('.dockerignore')
        .split('\n')
        .map((l) => l.trim()),
    ).toEqual(
      expect.arrayContaining([
        'node_modules',
        '**/node_modules',
        'dist',
        'data',
        '.git',
        'coverage',
        'infra/node_modules',
        'infra/cdk.out',
      ]),
    );
  });

  it('copies into the build every file `nest build` reads for the app', () => {
    const nest = JSON.parse(read('nest-cli.json'));
    const project = nest.projects[app];
    const options = { ...nest.compilerOptions, ...project.compilerOptions };
    const tsconfig = JSON.parse(read(options.tsConfigPath));
    const included = (tsconfig.include as string[]).map((glob) =>
      join(project.root, glob.replace(/\/?\*.*$/, '')),
    );
    const needed = ['package.json', 'package-lock.json', 'nest-cli.json', 'tsconfig.json'];
    needed.push(options.tsConfigPath, ...included);
    if (options.webpackConfigPath) needed.push(options.webpackConfigPath);
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1),
      );
    const glob = (s: string) =>
      new RegExp(`^${s.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    const covered = (path: string) =>
      sources.some((s) => s === path || path.startsWith(`${s}/`) || glob(s).test(path));
    expect(needed.filter((path) => !covered(path))).toEqual([]);
  });

  it('sends the build no tests, and nothing it builds imports them', () => {
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['test', '**/*.spec.ts']));
    const built = ['libs', `apps/${app}`].flatMap((dir) =>
      readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
        .map((f) => join(dir, f)),
    );
    expect(built.length).toBeGreaterThan(0);
    expect(built.filter((f) => /from ['"](\.\.\/)+test\//.test(read(f)))).toEqual([]);
  });

  it(`runs dist/apps/${app}/main.js under an init process, as a non-root user`, () => {
    expect(execForm(one('ENTRYPOINT'))[0]).toMatch(/(^|\/)(tini|dumb-init)$/);
    expect(execForm(one('CMD'))).toEqual(['node', `dist/apps/${app}/main.js`]);
    expect(
      instructions.some(
        (i) => i.keyword === 'RUN' && new RegExp(`nest build ${app}\\b|npm run build`).test(i.args),
      ),
    ).toBe(true);
    expect(final.some((i) => i.keyword === 'COPY' && i.args.includes(`dist/apps/${app}`))).toBe(
      true,
    );
    expect(one('USER')).toMatch(/^(?!root$|0$|0:)\S+$/);
    const entry = join(ROOT, 'dist', 'apps', app, 'main.js');
    if (!existsSync(entry))
      throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  });

  it(`exposes ${portKey}=${port}, the port compose uses`, () => {
    expect(service).toBeDefined();
    expect(one('EXPOSE').split(/\s+/)).toEqual([String(port)]);
    expect(env[portKey] ?? String(port)).toBe(String(port));
    expect(composeEnv(service)[portKey] ?? String(port)).toBe(String(port));
    for (const mapping of service.ports ?? [])
      expect(String(mapping)).toMatch(new RegExp(`:${port}$`));
  });

  describe('HEALTHCHECK', () => {
    const command = execForm(one('HEALTHCHECK').replace(/^(--\S+\s+)*/, ''));
    let server: Server;
    let answer = 200;
    // Asynchronous: the fake app below answers on this process's event loop.
    const probe = (env: Record<string, string>) =>
      new Promise<number | null>((done) => {
        const child = spawn(process.execPath, command.slice(1), {
          env: { PATH: process.env.PATH, ...env },
          stdio: 'ignore',
          timeout: 10_000,
        });
        child.on('exit', (code) => done(code));
      });
    beforeAll(async () => {
      server = createServer((req, res) =>
        res.writeHead(req.url === '/health/live' ? answer : 404).end(),
      );
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it(`probes /health/live on ${portKey} (default ${port}) with node, not curl`, async () => {
      expect(command[0]).toBe('node');
      expect(command.join(' ')).not.toMatch(/curl|wget/);
      expect(command.join(' ')).toContain(`process.env.${portKey}||${port}`);
      const { port: live } = server.address() as AddressInfo;
      answer = 200;
      expect(await probe({ [portKey]: String(live) })).toBe(0);
      answer = 503;
      expect(await probe({ [portKey]: String(live) })).toBe(1);
      expect(await probe({ [portKey]: '1' })).toBe(1); // nothing listens
    });
  });
});

describe('docker-compose.yml', () => {
  const apps = ['api', 'worker', 'worker-express'];

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

  it('runs the express lane in its own worker at full CPU priority, the other workers niced and lighter', () => {
    const express = loadConfig(composeEnv(services['worker-express']));
    const worker = loadConfig(composeEnv(services.worker));
    expect({ lanes: express.workerLanes, nice: express.workerNice }).toEqual({
      lanes: 'express',
      nice: 0,
    });
    expect({ lanes: worker.workerLanes, nice: worker.workerNice }).toEqual({
      lanes: 'normal',
      nice: 10,
    });
    expect(services['worker-express'].image).toBe(services.worker.image);
    // Across containers the cgroup weight decides (default 1024), not nice.
    expect(services.worker.cpu_shares).toBeLessThan(1024);
    expect(services['worker-express'].cpu_shares ?? 1024).toBe(1024);
    expect(services.api.cpu_shares ?? 1024).toBe(1024);
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
        `/metrics worker-express:${DEFAULTS.workerHttpPort} A`,
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

describe('CI', () => {
  it('names the README test command in .travis.yml, .ci/run and README.md', () => {
    const travis = yaml('.travis.yml');
    expect(travis.script).toContain(TEST_COMMAND);
    expect(read('.ci/run').split('\n')).toContain(TEST_COMMAND);
    expect(
      existsSync(join(ROOT, 'README.md')) ? read('README.md') : 'README.md is missing',
    ).toContain(TEST_COMMAND);
  });

  it('tests on Node LTS lines with Redis, then runs the images in a docker job', () => {
    const travis = yaml('.travis.yml');
    expect(travis.language).toBe('node_js');
    expect(travis.node_js.map(Number)).toEqual(expect.arrayContaining([20, 22, 24]));
    expect(travis.node_js.map(Number).filter((v: number) => v % 2 !== 0)).toEqual([]);
    expect(travis.services).toContain('redis');
    expect([travis.install].flat()).toContain('npm ci');
    expect(travis.script).toEqual(
      expect.arrayContaining(['npm run lint', 'npm run check', 'npm run build']),
    );
    const docker = (travis.jobs.include as Doc[]).find((j) => j.services?.includes('docker'));
    const steps = (docker?.script ?? []).join('\n');
    for (const step of ['docker compose build', 'docker compose up -d', 'deploy/smoke-test.sh'])
      expect(steps).toContain(step);
    expect([docker?.after_script].flat().join('\n')).toContain('docker compose down -v');
  });

  it("runs the test stage as Travis' normal user: no sudo before or in the test command", () => {
    const travis = yaml('.travis.yml');
    // The docker job may use sudo for apt (Travis allows it); the tests themselves need no root.
    const steps = ['before_install', 'install', 'before_script', 'script'].flatMap((key) =>
      [travis[key] ?? []].flat(),
    );
    expect(steps.filter((step: string) => /\bsudo\b|\bsu\b/.test(step))).toEqual([]);
  });

  it('keeps the smoke test an executable bash script that parses', () => {
    const path = join(ROOT, 'deploy/smoke-test.sh');
    accessSync(path, constants.X_OK);
    expect(read('deploy/smoke-test.sh')).toMatch(
      /^#!\/usr\/bin\/env bash\n[\s\S]*^set -euo pipefail$/m,
    );
    expect(spawnSync('bash', ['-n', path], { encoding: 'utf8' })).toMatchObject({
      status: 0,
      stderr: '',
    });
  });
});
