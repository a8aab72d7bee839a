/** Jest: TypeScript through SWC (fast, no type check: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  // Every test is under test/ (none sits beside the code).
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'], '/node_modules/cookie/.+\\.js$': ['@swc/jest'] },
  // cookie 2 (used by fastify's inject) is ESM-only: jest runs CommonJS, so SWC converts it.
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  testTimeout: 300000,
  setupFiles: ['<rootDir>/test/setup-logging.ts'],
};
