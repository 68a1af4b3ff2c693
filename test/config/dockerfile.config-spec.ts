import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '@app/tasks/config';
import {
  ALLOWED_ENV,
  composeEnv,
  DEFAULTS,
  Doc,
  envOf,
  execForm,
  imageOf,
  Instruction,
  parseDockerfile,
  read,
  ROOT,
  services,
  withBuildArg,
} from '../support/deploy-files';

// The one Dockerfile, as built for each app (offline: no Docker engine on the build machines).

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
    // Where `nest build` writes the app (webpack: dist/<project root>/<entryFile>.js).
    const project = JSON.parse(read('nest-cli.json')).projects[app];
    expect(`dist/${project.root}/${project.entryFile}.js`).toBe(`dist/apps/${app}/main.js`);
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
