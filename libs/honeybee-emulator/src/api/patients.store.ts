/** A prescription as the emulated Partners API returns it (wire shape, snake_case). */
export interface MedicationRequest {
  /** Prescription id. */
  id: string;
  /** Prescription status. */
  status: 'active' | 'on-hold' | 'cancelled' | 'completed';
  /** Always `order` for a prescription. */
  intent: 'order';
  /** The prescribed medication. */
  medication: { name: string; ndc: string; strength: string; form: string };
  /** Units to dispense. */
  quantity: number;
  /** Days one fill lasts. */
  days_supply: number;
  /** Refills left. */
  refills: number;
  /** Directions for use. */
  sig: string;
  /** The prescriber. */
  prescriber: { name: string; npi: string };
  /** When it was written (ISO 8601). */
  authored_on: string;
}

/** A patient to seed the emulator with. */
export interface PatientSeed {
  /** Patient id as used in `/v1/patients/:id/rx`; letters, digits, `_`, `-`, `.`. */
  id: string;
  /** Overrides of the generated prescription. */
  medicationRequest?: Partial<MedicationRequest>;
}

/** A seeded patient. */
export interface PatientRecord {
  /** Patient id. */
  readonly id: string;
  /** The patient's current prescription. */
  readonly medicationRequest: MedicationRequest;
}

/** The patients every emulator starts with, unless `patients` is given. */
export const DEFAULT_PATIENTS: readonly PatientSeed[] = Object.freeze([
  {
    id: 'p_1',
    medicationRequest: {
      id: 'mr_p_1_1',
      medication: {
        name: 'Atorvastatin Calcium',
        ndc: '00000-0001-01',
        strength: '20 mg',
        form: 'tablet',
      },
      quantity: 30,
      days_supply: 30,
      refills: 5,
      sig: 'Take 1 tablet by mouth once daily',
    },
  },
  {
    id: 'p_2',
    medicationRequest: {
      id: 'mr_p_2_1',
      medication: { name: 'Lisinopril', ndc: '00000-0002-01', strength: '10 mg', form: 'tablet' },
      quantity: 90,
      days_supply: 90,
      refills: 3,
      sig: 'Take 1 tablet by mouth every morning',
    },
  },
]);

const PATIENT_ID = /^[\w.-]+$/;

/** The patients of one emulator instance. */
export class PatientStore {
  readonly #patients = new Map<string, PatientRecord>();

  /** Adds a patient or replaces the one with the same id. */
  add(seed: PatientSeed): PatientRecord {
    if (typeof seed?.id !== 'string' || !PATIENT_ID.test(seed.id)) {
      throw new TypeError(
        'patient.id must be a non-empty string of letters, digits, "_", "-", "."',
      );
    }
    const record: PatientRecord = {
      id: seed.id,
      medicationRequest: {
        id: `mr_${seed.id}_1`,
        status: 'active',
        intent: 'order',
        medication: {
          name: 'Metformin Hydrochloride',
          ndc: '00000-0000-00',
          strength: '500 mg',
          form: 'tablet',
        },
        quantity: 60,
        days_supply: 30,
        refills: 2,
        sig: 'Take 1 tablet by mouth twice daily with meals',
        prescriber: { name: 'Dr. Avery Quinn', npi: '1234567893' },
        authored_on: '2025-01-15T09:30:00Z',
        ...seed.medicationRequest,
      },
    };
    this.#patients.set(record.id, record);
    return record;
  }

  /** The patient with this id, if seeded. */
  get(id: string): PatientRecord | undefined {
    return this.#patients.get(id);
  }

  /** All patients. */
  list(): PatientRecord[] {
    return [...this.#patients.values()];
  }
}
