import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URL } from 'nestjs-honeybee-auth';
import { AppModule } from './app.module.js';
import { banner } from './banner.js';
import { SettingsError, loadSettings } from './config/sample-app.settings.js';
import { DEMO_CALLERS, EmbeddedHoneybee } from './honeybee/embedded-honeybee.js';
import { configureHttp } from './http/configure-http.js';
import { configureWebSockets } from './http/configure-websockets.js';
import { listeningUrl } from './http/listening-url.js';

/**
 * `npm start`: the sample app on 127.0.0.1:3000 (`HOST`, `PORT`), against an embedded Honeybee
 * emulator unless `HONEYBEE_CLIENT_ID` and `HONEYBEE_CLIENT_SECRET` are set. SIGINT and SIGTERM
 * close the app (and the emulator) cleanly.
 */
async function main(): Promise<void> {
  const logger = new Logger('SampleApp');
  const settings = loadSettings(process.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(settings), {
    bodyParser: false, // configureHttp registers its own JSON parser
    abortOnError: false, // a start-up error is reported below, not by process.abort()
  });
  configureHttp(app);
  configureWebSockets(app);
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  await app.listen(settings.http.port, settings.http.host);
  const appUrl = listeningUrl(app.getHttpServer());

  if (settings.honeybee.mode === 'embedded') {
    const { emulator, webhookSecret } = app.get(EmbeddedHoneybee);
    console.log(
      banner({
        appUrl,
        embedded: {
          emulatorUrl: emulator.url,
          tokenUrl: emulator.tokenUrl,
          callers: DEMO_CALLERS,
          webhookSecret,
        },
      }),
    );
  } else {
    console.log(
      banner({
        appUrl,
        remote: {
          tokenUrl: settings.honeybee.tokenUrl ?? DEFAULT_TOKEN_URL,
          apiBaseUrl: settings.honeybee.apiBaseUrl ?? DEFAULT_API_BASE_URL,
          webhookSecretSet: !!settings.webhookSecret,
        },
      }),
    );
  }
  logger.log(`Ready on ${appUrl}`);
}

main().catch((error: unknown) => {
  const message = error instanceof SettingsError ? error.message : String(error);
  new Logger('SampleApp').error(`Could not start: ${message}`);
  // Whatever started before the failure (the emulator's socket) must not keep us alive.
  process.exit(1);
});
