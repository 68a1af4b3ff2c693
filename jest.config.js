// Three tiers: unit specs beside the code (no Redis), config specs under test/config (the deployment
// files read offline against the real config schema), e2e specs under test/ (real Redis, real processes).
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@app/tasks(|/.*)$': '<rootDir>/libs/tasks/src$1',
  },
};

module.exports = {
  // e2e tests start real processes and wait on real work; unit tests finish far below this.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: '.',
      testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'config',
      rootDir: '.',
      testMatch: ['<rootDir>/test/config/**/*.config-spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
