// HoneybeeTokenService on its own: tokens for any HTTP client.
import { Injectable } from '@nestjs/common';
import { HoneybeeTokenService } from 'nestjs-honeybee-auth';
import type { HoneybeeTokenStatus } from 'nestjs-honeybee-auth';

@Injectable()
export class RawTokenClient {
  constructor(private readonly tokens: HoneybeeTokenService) {}

  async fetchTokens(): Promise<[string, string]> {
    const token = await this.tokens.getAccessToken(); // the module's scopes
    const other = await this.tokens.getAccessToken([
      'orders:write',
      'prescriptions:read',
    ]);
    this.tokens.invalidate(token); // after a 401
    return [token, other];
  }

  health(): HoneybeeTokenStatus {
    return this.tokens.status();
  }
}
