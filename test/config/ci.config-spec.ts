import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Doc, read, ROOT, TEST_COMMAND, yaml } from '../support/deploy-files';

// Travis, .ci/run and the README agree on the test command; the docker job runs the smoke test.

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
