/** Two projects: fast unit specs beside the code, and integration suites that start real processes. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }];

module.exports = {
  // Per-project testTimeout is ignored by jest 30; integration suites start real processes.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/property/**/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/contract/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts'],
    },
  ],
  collectCoverageFrom: ['src/domain/**/*.ts', '!src/domain/**/*.spec.ts', '!src/domain/**/index.ts'],
  coverageThreshold: { './src/domain/': { lines: 95 } },
  coverageReporters: ['text-summary'],
};
