// The emulator in a test: the module pointed at it, a fault, what it received.
import { Test } from '@nestjs/testing';
import { HoneybeeEmulator } from 'honeybee-emulator';
import { HoneybeeAuthModule, HoneybeeTokenService } from 'nestjs-honeybee-auth';

export async function tokenThroughAFault(): Promise<string> {
  const emu = await HoneybeeEmulator.start({
    clients: [
      { clientId: 'app', clientSecret: 'app-secret', scopes: ['rx:read'] },
    ],
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      HoneybeeAuthModule.forRoot({
        clientId: 'app',
        clientSecret: 'app-secret',
        scopes: ['rx:read'],
        tokenUrl: emu.tokenUrl,
        apiBaseUrl: emu.apiBaseUrl,
        allowInsecureLoopback: true, // the emulator speaks http:// on 127.0.0.1
      }),
    ],
  }).compile();
  try {
    emu.injectFault('token', { status: 503 }, { times: 1 }); // the first attempt fails
    const token = await moduleRef.get(HoneybeeTokenService).getAccessToken();
    // What the emulator received, secrets masked: [ 'status', undefined ]
    console.log(emu.requests('token').map((request) => request.fault));
    return token;
  } finally {
    await moduleRef.close();
    await emu.stop();
  }
}
