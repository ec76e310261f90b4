import type { LoggerService } from '@nestjs/common';
import { inspect } from 'node:util';
import type { HoneybeeEmulator } from 'honeybee-emulator';

/** Where a scanned text came from. */
export type TextSource = 'log' | 'stdio' | 'error' | 'response';

/** One secret or token found where it must never be. */
export interface Leak {
  source: TextSource;
  /** What leaked (`client secret`, `issued token`, …), never the value itself. */
  what: string;
  /** The leaked value, masked to its first 4 characters and its length. */
  masked: string;
  /** Up to 160 characters before the first occurrence, to find where it came from. */
  context: string;
}

/** What the scanner read, for the summary. */
export interface ScanCounts {
  texts: number;
  chars: number;
  logLines: number;
  stdio: number;
  errors: number;
  responses: number;
}

/** Values shorter than this are not scanned for: they would match by chance. */
const MIN_SECRET_LENGTH = 8;

/**
 * Collects everything the code under test prints, throws and answers during one test file,
 * and every credential it must never show, then reports each credential found in that text.
 *
 * - Text: log lines (through {@link CapturingLogger}), `process.stdout` / `stderr` writes,
 *   errors (message, stack, `String`, `JSON.stringify`, `util.inspect` at depth 8 with and
 *   without hidden properties, and their `cause` chain) and response status lines, headers
 *   and bodies.
 * - Credentials: client secrets (raw, URL-encoded, form-encoded and inside a Basic header), every token the
 *   watched emulators issued (read at {@link harvest}, so call it before `emu.reset()`), every
 *   JWT a test minted (whole, and its signature alone).
 *
 * Texts are kept until {@link scan}, so a token issued after a line was logged is still
 * looked for in it.
 */
export class LeakScanner {
  private readonly secrets = new Map<string, string>();
  private readonly texts: Record<TextSource, string[]> = {
    log: [],
    stdio: [],
    error: [],
    response: [],
  };
  private readonly emulators = new Set<HoneybeeEmulator>();
  readonly counts: ScanCounts = {
    texts: 0,
    chars: 0,
    logLines: 0,
    stdio: 0,
    errors: 0,
    responses: 0,
  };

  /** Looks for `value` everywhere (values under 8 characters are ignored). */
  watchSecret(value: string, what: string): void {
    if (value.length >= MIN_SECRET_LENGTH && !this.secrets.has(value))
      this.secrets.set(value, what);
  }

  /** A client secret, in every form it takes on the wire. */
  watchClientSecret(clientId: string, secret: string): void {
    this.watchSecret(secret, 'client secret');
    this.watchSecret(encodeURIComponent(secret), 'client secret (URL-encoded)');
    this.watchSecret(
      new URLSearchParams([['', secret]]).toString().slice(1),
      'client secret (form-encoded)',
    );
    const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
    this.watchSecret(basic(clientId, secret), 'client secret (Basic credentials)');
    this.watchSecret(
      basic(encodeURIComponent(clientId), encodeURIComponent(secret)),
      'client secret (Basic credentials, form-encoded)',
    );
  }

  /** A token a test made itself (a minted JWT): the whole of it and its signature. */
  watchToken(token: string, what = 'minted token'): void {
    this.watchSecret(token, what);
    const parts = token.split('.');
    if (parts.length === 3 && parts[2].length >= 16)
      this.watchSecret(parts[2], `${what} (signature)`);
  }

  /** Every token `emu` issues becomes a watched secret (read at {@link harvest}). */
  watchEmulator(emu: HoneybeeEmulator): void {
    this.emulators.add(emu);
  }

  /** Reads the watched emulators' issued tokens. Call before `emu.reset()`, which forgets them. */
  harvest(): void {
    for (const emu of this.emulators) {
      for (const t of emu.issuedTokens()) this.watchToken(t.accessToken, 'issued token');
    }
  }

  /** `harvest()` then `emu.reset()`. */
  resetEmulator(emu: HoneybeeEmulator): void {
    this.harvest();
    emu.reset();
  }

  get secretsWatched(): number {
    return this.secrets.size;
  }

  log(line: string): void {
    this.counts.logLines += 1;
    this.add('log', line);
  }

  stdio(chunk: string): void {
    this.counts.stdio += 1;
    this.add('stdio', chunk);
  }

  /** An error in every form a caller might print it. */
  error(err: unknown): void {
    this.counts.errors += 1;
    const forms: string[] = [];
    const attempt = (f: () => unknown) => {
      try {
        forms.push(String(f()));
      } catch (e) {
        forms.push(`<${(e as Error)?.message}>`);
      }
    };
    attempt(() => String(err));
    attempt(() => (err as Error)?.stack);
    attempt(() => JSON.stringify(err));
    attempt(() => inspect(err, { depth: 8, breakLength: 160 }));
    attempt(() => inspect(err, { depth: 8, showHidden: true, breakLength: 160 }));
    let cause = (err as { cause?: unknown })?.cause;
    for (let i = 0; cause !== undefined && i < 5; i++) {
      attempt(() => inspect(cause, { depth: 4 }));
      cause = (cause as { cause?: unknown })?.cause;
    }
    this.add('error', forms.join('\n'));
  }

  /** A value a caller might log (an axios response, a config): its JSON and inspect forms. */
  object(value: unknown): void {
    const forms: string[] = [];
    for (const f of [() => JSON.stringify(value), () => inspect(value, { depth: 6 })]) {
      try {
        forms.push(String(f()));
      } catch (e) {
        forms.push(`<${(e as Error)?.message}>`);
      }
    }
    this.counts.responses += 1;
    this.add('response', forms.join('\n'));
  }

  /** An HTTP answer: status, headers and body. */
  response(status: number, headers: unknown, body: string): void {
    this.counts.responses += 1;
    this.add('response', `${status}\n${JSON.stringify(headers)}\n${body}`);
  }

  /** Every watched credential found in the collected text. */
  scan(): Leak[] {
    this.harvest();
    const leaks: Leak[] = [];
    for (const source of Object.keys(this.texts) as TextSource[]) {
      const all = this.texts[source].join('\n');
      for (const [value, what] of this.secrets) {
        const at = all.indexOf(value);
        if (at !== -1) {
          leaks.push({
            source,
            what,
            masked: `${value.slice(0, 4)}…(${value.length})`,
            context: all.slice(Math.max(0, at - 160), at).replace(/\s+/g, ' '),
          });
        }
      }
    }
    return leaks;
  }

  private add(source: TextSource, text: string): void {
    this.counts.texts += 1;
    this.counts.chars += text.length;
    this.texts[source].push(text);
  }
}

/** The scanner of the current test file (Jest gives each file its own module instance). */
export const leakScanner = new LeakScanner();

/**
 * A Nest logger that prints nothing and hands every line to the file's {@link leakScanner};
 * `lines` keeps them for assertions of a test.
 */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  private record(level: string, message: unknown[]): void {
    const line = `${level} ${message
      .map((m) => (typeof m === 'string' ? m : inspect(m, { depth: 6 })))
      .join(' ')}`;
    this.lines.push(line);
    leakScanner.log(line);
  }

  log = (...m: unknown[]) => this.record('log', m);
  warn = (...m: unknown[]) => this.record('warn', m);
  error = (...m: unknown[]) => this.record('error', m);
  debug = (...m: unknown[]) => this.record('debug', m);
  verbose = (...m: unknown[]) => this.record('verbose', m);
  fatal = (...m: unknown[]) => this.record('fatal', m);
}
