// Options from @nestjs/config's ConfigService.
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HoneybeeAuthModule } from 'nestjs-honeybee-auth';

@Module({
  imports: [
    HoneybeeAuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        clientId: config.getOrThrow('HONEYBEE_CLIENT_ID'),
        clientSecret: config.getOrThrow('HONEYBEE_CLIENT_SECRET'),
        scopes: ['prescriptions:read'],
      }),
    }),
  ],
})
export class AppModule {}
