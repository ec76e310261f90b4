import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { TerminusModule } from '@nestjs/terminus';
import { HoneybeeAuthModule, ScopesGuard } from 'nestjs-honeybee-auth';
import { HoneybeeHealthIndicator } from 'nestjs-honeybee-auth/terminus';
import type { SampleAppSettings } from './config/sample-app.settings.js';
import { HealthController } from './health/health.controller.js';
import { EmbeddedHoneybee } from './honeybee/embedded-honeybee.js';
import { honeybeeAuthOptions } from './honeybee/honeybee-auth.options.js';
import { HoneybeeConnectionModule } from './honeybee/honeybee-connection.module.js';
import { HoneybeeExceptionFilter } from './honeybee/honeybee-exception.filter.js';
import { PartnersApiClient } from './honeybee/partners-api.client.js';
import { SharedTokenStore } from './honeybee/shared-token-store.js';
import { TokenWarmup } from './honeybee/token-warmup.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PrometheusMetrics } from './observability/prometheus-metrics.js';
import { OrdersController } from './orders/orders.controller.js';
import { PRESCRIPTIONS_SCHEMA, PrescriptionsResolver } from './graphql/prescriptions.resolver.js';
import { PrescriptionsController } from './prescriptions/prescriptions.controller.js';
import { RecentWebhooks } from './webhooks/recent-webhooks.store.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { WebhooksGateway } from './webhooks/webhooks.gateway.js';

/**
 * The pharmacy-partner backend. `register(settings)` is used by `main.ts` (settings from the
 * environment) and by the e2e tests (settings of their own); the settings reach every provider
 * through `ConfigService`.
 *
 * Every route needs a valid Honeybee token (`ScopesGuard` is the `APP_GUARD`) unless it is
 * `@Public()`: the REST routes, the GraphQL query (`POST /graphql`) and the WebSocket event
 * (`ws://…/ws`) alike.
 */
@Module({})
export class AppModule {
  static register(settings: SampleAppSettings): DynamicModule {
    const embedded = settings.honeybee.mode === 'embedded';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          // The settings were read already (loadSettings): no .env file, no process.env lookups.
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => settings],
        }),
        HoneybeeAuthModule.forRootAsync({
          imports: [
            HoneybeeConnectionModule.register(settings.honeybee.mode),
            ObservabilityModule.register(settings.metricsExporter),
          ],
          inject: [
            ConfigService,
            SharedTokenStore,
            { token: PrometheusMetrics, optional: true },
            ...(embedded ? [EmbeddedHoneybee] : []),
          ],
          useFactory: (
            config: ConfigService<SampleAppSettings, true>,
            store: SharedTokenStore,
            metrics: PrometheusMetrics | undefined,
            emulator?: EmbeddedHoneybee,
          ) =>
            honeybeeAuthOptions(
              {
                honeybee: config.get('honeybee', { infer: true }),
                webhookSecret: config.get('webhookSecret', { infer: true }),
                apiTimeoutMs: config.get('apiTimeoutMs', { infer: true }),
              },
              { shared: store, metrics, embedded: emulator },
            ),
        }),
        TerminusModule,
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          typeDefs: PRESCRIPTIONS_SCHEMA,
          graphiql: false,
          // No stack traces in error answers (Apollo adds them outside production).
          includeStacktraceInErrorResponses: false,
        }),
      ],
      controllers: [
        HealthController,
        PrescriptionsController,
        OrdersController,
        WebhooksController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ScopesGuard },
        { provide: APP_FILTER, useClass: HoneybeeExceptionFilter },
        HoneybeeHealthIndicator,
        PartnersApiClient,
        RecentWebhooks,
        TokenWarmup,
        PrescriptionsResolver,
        WebhooksGateway,
      ],
    };
  }
}
