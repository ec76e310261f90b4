import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { HoneybeeAuthModule, ScopesGuard } from 'nestjs-honeybee-auth';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { PrescriptionsController } from './prescriptions/prescriptions.controller.js';
import { PrescriptionsService } from './prescriptions/prescriptions.service.js';

@Module({
  imports: [
    ConfigModule.forRoot(),
    HoneybeeAuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        clientId: config.getOrThrow<string>('HONEYBEE_CLIENT_ID'),
        clientSecret: config.getOrThrow<string>('HONEYBEE_CLIENT_SECRET'),
        // Unset: Honeybee's production URLs. Set to the emulator's in tests and local runs.
        tokenUrl: config.get<string>('HONEYBEE_TOKEN_URL'),
        apiBaseUrl: config.get<string>('HONEYBEE_API_BASE_URL'),
        allowInsecureLoopback:
          config.get<string>('HONEYBEE_ALLOW_INSECURE_LOOPBACK') === 'true',
        scopes: ['prescriptions:read'],
      }),
    }),
  ],
  controllers: [AppController, PrescriptionsController],
  providers: [
    AppService,
    PrescriptionsService,
    // Every route needs a Honeybee token unless it is @Public().
    { provide: APP_GUARD, useClass: ScopesGuard },
  ],
})
export class AppModule {}
