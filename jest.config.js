/**
 * Jest in native ESM mode (NestJS 12 is ESM-only): run with
 * NODE_OPTIONS=--experimental-vm-modules. Unit specs sit next to the code
 * (`*.spec.ts`), end-to-end specs in `test/` (`*.e2e-spec.ts`).
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  // The workspace packages resolve to their TypeScript sources, as with tsc and tsx here.
  testEnvironmentOptions: { customExportConditions: ['honeybee-source', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '<rootDir>/test/consumer/',
    '\\.redis\\.spec\\.ts$',
    '\\.adversarial\\.spec\\.ts$',
    '\\.doorkeeper\\.spec\\.ts$',
  ],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Jest cannot require() an ES module before Node 24.9; see the shim.
    '^content-disposition$': '<rootDir>/test/support/content-disposition.cjs',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 20000,
};
