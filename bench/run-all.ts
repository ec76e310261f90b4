/**
 * Runs every benchmark scenario, one child process each (so no scenario inherits another's
 * heap, JIT state or sockets), and prints their tables in order. `npm run bench`.
 *
 *   npx tsx bench/run-all.ts [--out bench/results-raw.md] [scenario …]
 *   (scenarios: inbound-throughput outbound-cold-start refresh-boundary replicas
 *    unique-token-flood telemetry-overhead; the BENCH_* variables of each script apply)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineLine } from './lib/env.js';

const SCENARIOS = [
  'outbound-cold-start',
  'refresh-boundary',
  'replicas',
  'inbound-throughput',
  'unique-token-flood',
  'telemetry-overhead',
];

const { values, positionals } = parseArgs({
  options: { out: { type: 'string' } },
  allowPositionals: true,
});
const chosen = positionals.length > 0 ? positionals : SCENARIOS;
for (const name of chosen) {
  if (!SCENARIOS.includes(name)) {
    console.error(`unknown scenario ${name}; one of: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
}

function run(name: string): Promise<{ output: string; code: number | null; seconds: number }> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ output, code, seconds: (performance.now() - started) / 1000 }),
    ),
  );
}

const parts = [`# honeybee-auth benchmarks (raw output)\n\n${machineLine()}\n`];
let failed = 0;
for (const name of chosen) {
  console.error(`▶ ${name}`);
  const { output, code, seconds } = await run(name);
  parts.push(output, `_${name}: ${seconds.toFixed(0)} s, exit ${code}_\n`);
  console.error(`◀ ${name}: ${seconds.toFixed(0)} s, exit ${code}`);
  if (code !== 0) failed++;
}
if (values.out) writeFileSync(values.out, parts.join('\n'));
process.exit(failed > 0 ? 1 : 0);
