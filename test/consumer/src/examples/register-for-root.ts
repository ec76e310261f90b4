// Options given directly.
import { Module } from '@nestjs/common';
import { HoneybeeAuthModule } from 'nestjs-honeybee-auth';

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: process.env.HONEYBEE_CLIENT_ID!,
      clientSecret: process.env.HONEYBEE_CLIENT_SECRET!,
      scopes: ['prescriptions:read'],
      isGlobal: true, // optional: no need to import the module elsewhere
    }),
  ],
})
export class AppModule {}
