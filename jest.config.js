/**
 * Jest in native ESM mode (NestJS 12 is ESM-only): run with
 * NODE_OPTIONS=--experimental-vm-modules. Unit specs sit next to the code
 * (`*.spec.ts`), end-to-end specs in `test/` (`*.e2e-spec.ts`).
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '\\.redis\\.spec\\.ts$',
    '\\.adversarial\\.spec\\.ts$',
    '\\.doorkeeper\\.spec\\.ts$',
  ],
  moduleNameMapper: {
    '^@app/honeybee-auth$': '<rootDir>/libs/honeybee-auth/src/index.ts',
    '^@app/honeybee-emulator$': '<rootDir>/libs/honeybee-emulator/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 20000,
};
