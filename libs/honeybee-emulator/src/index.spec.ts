// Imported the way consumers import it, so the path alias is checked too.
import * as api from '@app/honeybee-emulator';

describe('public API', () => {
  it('exports exactly these runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_API_SCOPES',
      'DEFAULT_JWT_AUDIENCE',
      'DEFAULT_MAX_BODY_BYTES',
      'DEFAULT_PATIENTS',
      'DEFAULT_TOKEN_LIFETIME_SECONDS',
      'DOORKEEPER_VERSIONS',
      'FAULT_ENDPOINTS',
      'HoneybeeEmulator',
      'HoneybeeEmulatorError',
      'ManualClock',
      'htmlProxyErrorFault',
      'maskSecret',
      'oauthErrorFault',
      'systemClock',
    ]);
  });

  it('exposes the documented defaults', () => {
    expect(api.DEFAULT_TOKEN_LIFETIME_SECONDS).toBe(43_200);
    expect(api.DEFAULT_MAX_BODY_BYTES).toBe(1_048_576);
    expect(api.DEFAULT_API_SCOPES).toEqual({
      getPatientRx: ['prescriptions:read'],
      getOrder: ['prescriptions:read'],
      createOrder: ['orders:write'],
      simulate: [],
    });
    expect(api.DEFAULT_PATIENTS.map((p) => p.id)).toEqual(['p_1', 'p_2']);
  });
});
