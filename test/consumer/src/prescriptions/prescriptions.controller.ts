import { Controller, Get, Param } from '@nestjs/common';
import { CurrentPrincipal, RequireScopes } from 'nestjs-honeybee-auth';
// A type used in a decorated signature must be imported with `import type` under
// `isolatedModules` + `emitDecoratorMetadata` (TS1272).
import type { HoneybeePrincipal } from 'nestjs-honeybee-auth';
import { PrescriptionsService } from './prescriptions.service.js';
import type { MedicationRequest } from './prescriptions.service.js';

@Controller('patients/:patientId/prescriptions')
@RequireScopes('prescriptions:read')
export class PrescriptionsController {
  constructor(private readonly prescriptions: PrescriptionsService) {}

  @Get()
  async list(
    @Param('patientId') patientId: string,
    @CurrentPrincipal() principal: HoneybeePrincipal,
  ): Promise<{ requestedBy?: string; prescription: MedicationRequest }> {
    return {
      requestedBy: principal.clientId,
      prescription: await this.prescriptions.forPatient(patientId),
    };
  }
}
