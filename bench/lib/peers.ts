import { ClientCredentials } from 'simple-oauth2';
import type { AccessToken } from 'simple-oauth2';

/**
 * What people usually write around `simple-oauth2`: "if there is no token or it has expired,
 * call `client.getToken()`". No single flight and no early refresh, so N concurrent callers
 * on a cold cache make N token requests, and callers wait for the token endpoint at expiry.
 */
export class HandRolledSimpleOauth2Cache {
  private readonly client: ClientCredentials;
  private token?: AccessToken;

  constructor(
    tokenUrl: string,
    private readonly scope: string[] = [],
    private readonly leewaySeconds = 10,
  ) {
    const url = new URL(tokenUrl);
    this.client = new ClientCredentials({
      client: { id: 'partner-app', secret: 'bench-secret-bench-secret-bench-secret' },
      auth: { tokenHost: url.origin, tokenPath: url.pathname },
      options: { authorizationMethod: 'body' },
    });
  }

  async getAccessToken(): Promise<string> {
    if (!this.token || this.token.expired(this.leewaySeconds)) {
      this.token = await this.client.getToken(this.scope.length ? { scope: this.scope } : {});
    }
    return this.token.token.access_token as string;
  }
}

/**
 * The same wrapper made as good as a careful hand-written lazy cache gets: one request in
 * flight shared by every caller (single flight), but still refreshed only once expired, so
 * callers wait for the token endpoint at every expiry.
 */
export class LazySingleFlightSimpleOauth2Cache {
  private readonly client: ClientCredentials;
  private token?: AccessToken;
  private inflight?: Promise<AccessToken>;

  constructor(
    tokenUrl: string,
    private readonly leewaySeconds = 0,
  ) {
    const url = new URL(tokenUrl);
    this.client = new ClientCredentials({
      client: { id: 'partner-app', secret: 'bench-secret-bench-secret-bench-secret' },
      auth: { tokenHost: url.origin, tokenPath: url.pathname },
      options: { authorizationMethod: 'body' },
    });
  }

  async getAccessToken(): Promise<string> {
    if (!this.token || this.token.expired(this.leewaySeconds)) {
      this.inflight ??= this.client.getToken({}).finally(() => (this.inflight = undefined));
      this.token = await this.inflight;
    }
    return this.token.token.access_token as string;
  }
}
