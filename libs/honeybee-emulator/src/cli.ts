#!/usr/bin/env node
/**
 * The `honeybee-emulator` command (`npx honeybee-emulator`; `npm run emulator` in this repo): runs a Honeybee emulator alone until SIGINT or SIGTERM.
 * See `runCli` for the flags, or run with `--help`.
 */
import { runCli } from './cli/cli.runner.js';

try {
  const { stopped } = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    signals: process,
  });
  await stopped;
} catch (error) {
  console.error(`honeybee-emulator: ${(error as Error).message}`);
  process.exitCode = 1;
}
