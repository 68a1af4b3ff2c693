// The browser tier: Debian's Chromium (playwright-core) against the real api + worker from dist/.
// Run with `npm run test:browser` (builds first); kept apart from `npm test` so a missing browser
// never blocks the unit and e2e tiers.
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@app/tasks(|/.*)$': '<rootDir>/libs/tasks/src$1',
  },
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  // Redis for the stack: the local one, or a private redis-server (same as the e2e tier).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Starting the stack and the browser takes seconds; each step below has its own shorter timeout.
  testTimeout: 120000,
};
