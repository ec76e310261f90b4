/**
 * Jest only (see `moduleNameMapper` in jest.config.js). Mercurius loads `@fastify/static`,
 * which `require()`s content-disposition 3, an ES module: Node 20.19+ can `require()` it,
 * Jest's CommonJS loader cannot before Node 24.9. Version 2 (CommonJS, installed for
 * Express) has the same API (`create`, `parse`, `format`), so every `require()` gets it.
 */
/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = require('../../node_modules/content-disposition/dist/index');
