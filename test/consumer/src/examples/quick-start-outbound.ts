// Calling Honeybee: register the module once, then inject HoneybeeHttpService.
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HoneybeeAuthModule, HoneybeeHttpService } from 'nestjs-honeybee-auth';
import { firstValueFrom } from 'rxjs';

@Injectable()
export class PrescriptionsClient {
  constructor(private readonly honeybee: HoneybeeHttpService) {}

  /** GET {apiBaseUrl}/patients/:id/rx with this app's token, fetched and refreshed for you. */
  async rx(patientId: string): Promise<unknown> {
    const { data } = await firstValueFrom(
      this.honeybee.get(`/patients/${encodeURIComponent(patientId)}/rx`),
    );
    return data;
  }
}

@Module({
  imports: [
    HoneybeeAuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        clientId: config.getOrThrow('HONEYBEE_CLIENT_ID'),
        clientSecret: config.getOrThrow('HONEYBEE_CLIENT_SECRET'),
        scopes: ['prescriptions:read'], // the default scopes of this app's tokens
      }),
    }),
  ],
  providers: [PrescriptionsClient],
})
export class PrescriptionsModule {}
