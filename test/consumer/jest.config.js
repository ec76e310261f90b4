/**
 * Jest in native ESM mode, for this ESM app: run with NODE_OPTIONS=--experimental-vm-modules
 * (`npm run test:jest`). ts-jest compiles each file on its own (isolatedModules in tsconfig),
 * with decorator metadata; the mapper drops the `.js` of relative imports.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  testRegex: '.*\\.(e2e-)?spec\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.jest.json' }],
  },
};
