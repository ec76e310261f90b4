import { BadRequestException, Inject, Logger } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireScopes } from 'nestjs-honeybee-auth';
import { ID_HINT, ID_PATTERN } from '../http/validation.js';
import { PartnersApiClient } from '../honeybee/partners-api.client.js';

/**
 * The GraphQL schema (schema first: `npm start` runs under tsx, whose esbuild emits no
 * decorator metadata, which code-first `@Args()` needs).
 */
export const PRESCRIPTIONS_SCHEMA = /* GraphQL */ `
  "A Honeybee prescription (MedicationRequest), as this API shows it."
  type Prescription {
    id: ID!
    status: String
    "The medication name"
    medication: String
  }

  type Query {
    "A patient's prescriptions, read from Honeybee. Needs prescriptions:read."
    prescriptions(patientId: ID!): [Prescription!]!
  }
`;

/** A prescription as the schema's `Prescription` type. */
export interface PrescriptionView {
  id: string;
  status?: string;
  medication?: string;
}

/**
 * `query { prescriptions(patientId: "p_1") { id status medication } }`: the GraphQL twin of
 * `GET /patients/:id/prescriptions`, with the same scope. `ScopesGuard` (the `APP_GUARD`)
 * checks the caller's token from the HTTP request, as on the REST route.
 */
@Resolver()
export class PrescriptionsResolver {
  private readonly logger = new Logger('Prescriptions');

  constructor(@Inject(PartnersApiClient) private readonly partners: PartnersApiClient) {}

  @Query('prescriptions')
  @RequireScopes('prescriptions:read')
  async prescriptions(
    @Args('patientId') patientId: string,
    @CurrentPrincipal('clientId') caller: string,
  ): Promise<PrescriptionView[]> {
    // Checked before it goes into Honeybee's URL: no "..", no "/", nothing to rewrite the path.
    if (!ID_PATTERN.test(patientId)) {
      throw new BadRequestException(`The patient id must be ${ID_HINT}`);
    }
    const prescriptions = await this.partners.prescriptions(patientId);
    this.logger.log(
      `${caller} read ${prescriptions.length} prescription(s) of ${patientId} (GraphQL)`,
    );
    return prescriptions.map((rx) => ({
      id: rx.id,
      status: typeof rx.status === 'string' ? rx.status : undefined,
      medication: (rx.medication as { name?: string } | undefined)?.name,
    }));
  }
}
