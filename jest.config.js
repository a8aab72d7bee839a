/** Jest: TypeScript through SWC (fast, no type check: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/domain', '<rootDir>/ledger', '<rootDir>/mail', '<rootDir>/client'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 300000,
  setupFiles: ['<rootDir>/test/setup-logging.ts'],
};
