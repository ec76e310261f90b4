import { HoneybeeEmulator } from '../honeybee-emulator.js';
import { APP } from '../testing/emulator.fixtures.js';
import { basic, postForm, send } from '../testing/http-test.helpers.js';

describe('readClientRequest (introspection and revocation)', () => {
  let emu: HoneybeeEmulator;
  let token: string;

  beforeEach(async () => {
    emu = await HoneybeeEmulator.start({ clients: [APP] });
    token = (await emu.issueToken('app', ['prescriptions:read'])).access_token;
  });

  afterEach(() => emu.stop());

  it.each(['introspectionUrl', 'revocationUrl'] as const)(
    '%s: answers 400 invalid_request for Basic and body credentials together, and does nothing',
    async (endpoint) => {
      const res = await postForm(
        emu[endpoint],
        { token, client_id: 'app', client_secret: 'app-secret' },
        { Authorization: basic('app', 'app-secret') },
      );
      expect(res.status).toBe(400);
      expect((res.json as { error: string }).error).toBe('invalid_request');
      const info = await send(emu.tokenInfoUrl, { headers: { Authorization: `Bearer ${token}` } });
      expect(info.status).toBe(200);
    },
  );

  it.each(['introspectionUrl', 'revocationUrl'] as const)(
    '%s: answers an unparseable body with 400 before any OAuth check',
    async (endpoint) => {
      const res = await send(emu[endpoint], {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic('app', 'app-secret') },
        body: '{"token":',
      });
      expect(res.status).toBe(400);
    },
  );
});
