// Honeybee authorization on an HttpService you configure yourself.
import { HttpModule, HttpService } from '@nestjs/axios';
import { Injectable, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import {
  HoneybeeAuthModule,
  HoneybeeAuthorization,
} from 'nestjs-honeybee-auth';

@Injectable()
export class PrescriptionsClient implements OnModuleInit {
  constructor(
    private readonly http: HttpService,
    private readonly authorization: HoneybeeAuthorization,
  ) {}

  onModuleInit() {
    this.authorization.install(this.http.axiosRef); // returns a function that uninstalls it
  }
}

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: process.env.HONEYBEE_CLIENT_ID!,
      clientSecret: process.env.HONEYBEE_CLIENT_SECRET!,
    }),
    HttpModule.register({
      baseURL: 'https://partners.honeybeehealth.com/v1',
      timeout: 5000,
      // Instance-wide Honeybee settings (typed by the package's axios module augmentation).
      honeybee: { scopes: ['orders:write'] },
    }),
  ],
  providers: [PrescriptionsClient],
})
export class PrescriptionsModule {}
