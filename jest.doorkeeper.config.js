import base from './jest.config.js';

/**
 * The conformance suite against the real Doorkeeper (`npm run test:doorkeeper`): every spec
 * starts Debian's Doorkeeper 5.5 (`test/doorkeeper/server/`) and the emulator with its '5.5'
 * profile and compares them. `npm test` skips these files. Run in band: one Ruby server at a
 * time on a 2-core machine.
 * @type {import('jest').Config}
 */
export default {
  ...base,
  testMatch: ['**/*.doorkeeper.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
};
