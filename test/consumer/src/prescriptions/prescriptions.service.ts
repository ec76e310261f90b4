import {
  BadGatewayException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { isAxiosError } from 'axios';
import { HoneybeeHttpService, requestIdOf } from 'nestjs-honeybee-auth';
import { firstValueFrom } from 'rxjs';

/** A prescription as Honeybee's Partners API returns it (the fields this app uses). */
export interface MedicationRequest {
  id: string;
  patient_id: string;
  status: string;
  medication: { name: string; strength: string };
}

@Injectable()
export class PrescriptionsService {
  // Injected by type: the class itself is the token (decorator metadata).
  constructor(private readonly honeybee: HoneybeeHttpService) {}

  /** The patient's prescription, read from Honeybee with this app's own token. */
  async forPatient(patientId: string): Promise<MedicationRequest> {
    try {
      const { data } = await firstValueFrom(
        this.honeybee.get<{ medication_request: MedicationRequest }>(
          `/patients/${encodeURIComponent(patientId)}/rx`,
        ),
      );
      return data.medication_request;
    } catch (error) {
      if (isAxiosError(error) && error.response?.status === 404) {
        throw new NotFoundException(`Honeybee has no patient "${patientId}"`);
      }
      // Honeybee support needs the X-Request-Id; the token never appears in the error.
      throw new BadGatewayException(
        `Honeybee call failed (X-Request-Id ${requestIdOf(error) ?? 'none'})`,
        { cause: error },
      );
    }
  }
}
