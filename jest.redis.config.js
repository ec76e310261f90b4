import base from './jest.config.js';

/** Tests that need a real redis-server (`npm run test:redis`); `npm test` skips them. */
export default {
  ...base,
  testMatch: ['**/*.redis.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // The fleet runs last tens of seconds (real processes, real failovers, real TTLs).
  testTimeout: 120000,
};
