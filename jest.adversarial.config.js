import base from './jest.config.js';

/**
 * The adversarial suite (`npm run test:adversarial`): fuzzing, token attacks, faults, origin
 * safety, load and a leak scan over everything the library printed, threw or answered.
 * `npm test` skips these files. Run in band: the load and fault files measure one process.
 *
 * - `testEnvironment` counts unhandled rejections and uncaught exceptions on the real process
 *   (Jest's sandboxed `process` never sees them), for every file to assert zero;
 * - `globalSetup` makes a results folder, each file writes its figures there, and the summary
 *   reporter prints the totals after Jest's own summary.
 * @type {import('jest').Config}
 */
export default {
  ...base,
  testMatch: ['**/*.adversarial.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testEnvironment: '<rootDir>/test/adversarial/support/adversarial-environment.js',
  globalSetup: '<rootDir>/test/adversarial/support/global-setup.js',
  reporters: ['default', '<rootDir>/test/adversarial/support/summary-reporter.js'],
  testTimeout: 60000,
};
