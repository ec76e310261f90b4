// Imported by package name, through the package's `exports`, as users import it (the export
// list itself is pinned in test/package-contract.e2e-spec.ts).
import * as api from 'honeybee-emulator';

describe('public API', () => {
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
