/**
 * The reference pages list exactly what the code has: `docs/api.md` every name each entry
 * point exports (values and types), and `docs/configuration.md` every module option. A name
 * added to an entry, or an option added to the options interface, fails here until it is
 * documented; a documented one that is gone fails too.
 */
import { readDoc } from './fixtures/documentation.js';

/** The names `export { … }` and `export type { … }` make public in an entry file. */
function exportedNames(entry: string): string[] {
  const source = readDoc(entry);
  expect(source).not.toMatch(/^export \*/m); // a star export would hide names from this list
  return [...source.matchAll(/^export (?:type )?\{([^}]*)\}/gm)]
    .flatMap((match) => match[1]!.split(','))
    .map((name) =>
      name
        .trim()
        .split(/\s+as\s+/)
        .pop()!,
    )
    .filter((name) => name.length > 0)
    .sort();
}

/** The names in the first column of the tables of one `## \`entry\`` section of docs/api.md. */
function documentedNames(entry: string): string[] {
  const sections = readDoc('docs/api.md').split(/^## /m);
  const section = sections.find((s) => s.startsWith(`\`${entry}\`\n`));
  if (!section) throw new Error(`docs/api.md has no section "## \`${entry}\`"`);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!).sort();
}

describe('docs/api.md', () => {
  it.each([
    ['nestjs-honeybee-auth', 'libs/honeybee-auth/src/index.ts'],
    ['nestjs-honeybee-auth/redis', 'libs/honeybee-auth/src/redis.ts'],
    ['nestjs-honeybee-auth/terminus', 'libs/honeybee-auth/src/terminus.ts'],
    ['honeybee-emulator', 'libs/honeybee-emulator/src/index.ts'],
  ])('lists exactly what %s exports (%s)', (entry, file) => {
    const exported = exportedNames(file);
    expect(exported.length).toBeGreaterThan(0);
    expect(documentedNames(entry)).toEqual(exported);
  });
});

/** Where each options interface sits in `HoneybeeAuthModuleOptions`. */
const OPTION_PREFIXES: Record<string, string> = {
  HoneybeeAuthModuleOptions: '',
  HoneybeeRetryOptions: 'retry.',
  HoneybeeTokenStoreOptions: 'tokenStore.',
  HoneybeeInboundOptions: 'inbound.',
  HoneybeeVerificationCacheOptions: 'inbound.cache.',
  HoneybeeJwtVerifierOptions: 'inbound.jwt.',
  HoneybeeWebSocketOptions: 'inbound.webSockets.',
  HoneybeeTelemetryOptions: 'telemetry.',
};

/** Every option of the options interface file, as a dotted path (`inbound.cache.maxEntries`). */
function optionPaths(): string[] {
  const source = readDoc('libs/honeybee-auth/src/options/honeybee-auth-options.interface.ts');
  return [...source.matchAll(/^export interface (\w+) \{\n([\s\S]*?)^\}/gm)]
    .flatMap(([, name, body]) => {
      const prefix = OPTION_PREFIXES[name!];
      if (prefix === undefined)
        throw new Error(`an options interface this spec does not place: ${name}`);
      return [...body!.matchAll(/^ {2}(\w+)\??:/gm)].map((match) => prefix + match[1]!);
    })
    .sort();
}

/**
 * What `forRoot` / `forRootAsync` take besides the options: the builder's extras
 * (`setExtras({ … })`) and the members of `HoneybeeAuthAsyncExtras`.
 */
function moduleExtras(): string[] {
  const source = readDoc('libs/honeybee-auth/src/honeybee-auth.module-definition.ts');
  const builder = /\.setExtras\(\{([^}]*)\}/.exec(source)?.[1] ?? '';
  const async =
    /^export interface HoneybeeAuthAsyncExtras \{\n([\s\S]*?)^\}/m.exec(source)?.[1] ?? '';
  return [
    ...[...builder.matchAll(/(\w+):/g)].map((match) => match[1]!),
    ...[...async.matchAll(/^ {2}(\w+)\??:/gm)].map((match) => match[1]!),
  ];
}

/** The options in the first column of docs/configuration.md's tables. */
function documentedOptions(): string[] {
  const names = [...readDoc('docs/configuration.md').matchAll(/^\| `([\w.]+)` \|/gm)];
  return [...new Set(names.map((match) => match[1]!))].sort();
}

describe('docs/configuration.md', () => {
  it('documents every module option, and only those (plus the extras of forRoot and forRootAsync)', () => {
    const options = optionPaths();
    expect(options).toContain('inbound.jwt.requireAtJwtType');
    const extras = moduleExtras();
    expect(extras.sort()).toEqual(['isGlobal', 'verifierClass']);
    expect(documentedOptions()).toEqual([...options, ...extras].sort());
  });
});
