// ScopesGuard for every route (APP_GUARD) or per controller, and the scope decorators.
import { Controller, Get, Module, Post, UseGuards } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  CurrentPrincipal,
  HoneybeeAuthModule,
  Public,
  RequireAnyScope,
  RequireScopes,
  ScopesGuard,
} from 'nestjs-honeybee-auth';
// Types in decorated signatures need `import type` under isolatedModules (TS1272).
import type { HoneybeePrincipal } from 'nestjs-honeybee-auth';

@Controller('rx')
@UseGuards(ScopesGuard) // not needed when ScopesGuard is the APP_GUARD
@RequireScopes('rx:read')
export class RxController {
  @Get()
  list(@CurrentPrincipal() principal: HoneybeePrincipal) {
    return { caller: principal.clientId, scopes: principal.scopes };
  }

  @Post()
  @RequireScopes('rx:write') // needs rx:read AND rx:write
  create(@CurrentPrincipal('clientId') clientId: string) {
    return { createdBy: clientId };
  }

  @Get('audit')
  @RequireAnyScope('admin', 'rx:audit') // rx:read AND (admin OR rx:audit)
  audit() {
    return [];
  }

  @Get('health')
  @Public() // no token needed
  health() {
    return { status: 'ok' };
  }
}

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: process.env.HB_CLIENT_ID!,
      clientSecret: process.env.HB_CLIENT_SECRET!,
      webhookSecret: process.env.HB_WEBHOOK_SECRET, // for HoneybeeWebhookGuard
      inbound: {
        // Whose tokens this service accepts: configure it first.
        allowedClientIds: ['pharmacy-frontend'],
        verifier: 'token-info',
        realm: 'partner-api',
      },
    }),
  ],
  controllers: [RxController],
  // Optional: protect every route by default (then use @Public() to open some).
  providers: [{ provide: APP_GUARD, useClass: ScopesGuard }],
})
export class AppModule {}
