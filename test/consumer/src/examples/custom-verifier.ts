// A token verifier of your own, and replacing the verifier in tests.
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import {
  HONEYBEE_TOKEN_VERIFIER,
  HoneybeeAuthModule,
  HoneybeeVerifierUnavailableError,
} from 'nestjs-honeybee-auth';
import type { HoneybeePrincipal, TokenVerifier } from 'nestjs-honeybee-auth';

@Injectable()
export class TokensRepository {
  async find(
    token: string,
  ): Promise<{ clientId: string; scopes: string[] } | undefined> {
    return token === 'known'
      ? { clientId: 'partner', scopes: ['rx:read'] }
      : undefined;
  }
}

@Module({ providers: [TokensRepository], exports: [TokensRepository] })
export class TokensModule {}

@Injectable()
export class MyVerifier implements TokenVerifier {
  constructor(private readonly db: TokensRepository) {}

  async verify(
    token: string,
    signal?: AbortSignal,
  ): Promise<HoneybeePrincipal | null> {
    if (signal?.aborted)
      throw new HoneybeeVerifierUnavailableError('verification aborted');
    const row = await this.db.find(token); // throw HoneybeeVerifierUnavailableError when you cannot decide (503)
    return row ? { clientId: row.clientId, scopes: row.scopes } : null; // null: invalid (401)
  }
}

@Module({
  imports: [
    HoneybeeAuthModule.forRootAsync({
      // The verifier is created in the module's context: its dependencies come from here.
      imports: [TokensModule],
      useFactory: () => ({
        clientId: process.env.HB_CLIENT_ID!,
        clientSecret: process.env.HB_CLIENT_SECRET!,
        inbound: { allowedClientIds: ['partner'], verifier: MyVerifier },
      }),
    }),
  ],
})
export class AppModule {}

/** In tests, replace the verifier outright. */
export function withFakeVerifier(fake: TokenVerifier): Promise<TestingModule> {
  return Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(HONEYBEE_TOKEN_VERIFIER)
    .useValue(fake)
    .compile();
}
