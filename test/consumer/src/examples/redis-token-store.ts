// One token for every replica: RedisTokenStore, from the entry point that loads ioredis.
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HoneybeeAuthModule } from 'nestjs-honeybee-auth';
import { RedisTokenStore } from 'nestjs-honeybee-auth/redis';

@Module({
  imports: [
    HoneybeeAuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (c: ConfigService) => ({
        clientId: c.getOrThrow('HONEYBEE_CLIENT_ID'),
        clientSecret: c.getOrThrow('HONEYBEE_CLIENT_SECRET'),
        tokenStore: {
          store: new RedisTokenStore({ url: c.getOrThrow('REDIS_URL') }),
        },
      }),
    }),
  ],
})
export class AppModule {}
