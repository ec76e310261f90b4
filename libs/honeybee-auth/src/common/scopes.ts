/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** True when `scope` is a valid RFC 6749 scope token. */
export function isScopeToken(scope: string): boolean {
  return SCOPE_TOKEN.test(scope);
}

/** The scope set in canonical form: de-duplicated and sorted, so order never matters. */
export function normalizeScopes(scopes: Iterable<string> | undefined): string[] {
  return [...new Set(scopes ?? [])].sort();
}

/** Splits a space-delimited `scope` string (RFC 6749) into its scope tokens. */
export function parseScopeString(scope: string): string[] {
  return scope.split(' ').filter((s) => s.length > 0);
}
