import { BadRequestException, Controller, Get, Inject, Logger, Param } from '@nestjs/common';
import { CurrentPrincipal, RequireScopes } from 'nestjs-honeybee-auth';
import { ID_HINT, ID_PATTERN } from '../http/validation.js';
import { PartnersApiClient } from '../honeybee/partners-api.client.js';
import type { MedicationRequest } from '../honeybee/partners-api.client.js';

/** A patient's prescriptions, read from Honeybee, for callers that hold `prescriptions:read`. */
@Controller('patients/:id/prescriptions')
export class PrescriptionsController {
  private readonly logger = new Logger('Prescriptions');

  constructor(@Inject(PartnersApiClient) private readonly partners: PartnersApiClient) {}

  /** `GET /patients/:id/prescriptions`: 200; 400 on a malformed id; 404 for an unknown patient. */
  @Get()
  @RequireScopes('prescriptions:read')
  async list(
    @Param('id') patientId: string,
    @CurrentPrincipal('clientId') caller: string,
  ): Promise<{ patient_id: string; prescriptions: MedicationRequest[] }> {
    // Checked before it goes into Honeybee's URL: no "..", no "/", nothing to rewrite the path.
    if (!ID_PATTERN.test(patientId)) {
      throw new BadRequestException(`The patient id must be ${ID_HINT}`);
    }
    const prescriptions = await this.partners.prescriptions(patientId);
    this.logger.log(`${caller} read ${prescriptions.length} prescription(s) of ${patientId}`);
    return { patient_id: patientId, prescriptions };
  }
}
