/**
 * One client process of `bench/outbound-throughput.ts`: a Nest application context with either
 * `HoneybeeHttpService` (`HoneybeeAuthModule`, its token fetched once from the emulator) or
 * `@nestjs/axios`'s `HttpService` with a static `Authorization: Bearer` header, both on the same
 * kind of keep-alive agent and the same axios adapter (`BENCH_OUTBOUND`, {@link OutboundClientConfig}).
 * To `{ type: 'run', ms, callers, profile? }` it answers with how many GETs `callers` concurrent
 * callers completed in `ms`, their latency percentiles and the CPU time this process spent
 * (and writes a CPU profile of the run to `profile`, when given).
 */
import 'reflect-metadata';
import { Agent } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HttpModule, HttpService } from '@nestjs/axios';
import { firstValueFrom } from 'rxjs';
import { HoneybeeAuthModule, HoneybeeHttpService } from 'nestjs-honeybee-auth';
import { benchOptions } from './ours.js';
import { CpuProfiler } from './profiler.js';
import { percentile } from './stats.js';

/** What the parent tells one client. */
export interface OutboundClientConfig {
  client: 'honeybee' | 'nestjs-axios';
  /** axios's adapter: `http` (its default in Node) or `fetch`. */
  adapter: 'http' | 'fetch';
  tokenUrl: string;
  /** The loopback API, e.g. `http://127.0.0.1:1234/v1`. */
  apiBaseUrl: string;
  /** The static token of the `nestjs-axios` client. */
  token: string;
}

/** What the client answers to one run. */
export interface OutboundRun {
  count: number;
  failed: number;
  /** Latency percentiles, ms. */
  p50: number;
  p99: number;
  cpuUs: number;
}

const config = JSON.parse(process.env.BENCH_OUTBOUND ?? '{}') as OutboundClientConfig;
/** The library's default `httpTimeoutMs`, given to both clients. */
const TIMEOUT_MS = 30_000;
/** The same agent settings for both clients (the `fetch` adapter uses undici's pool instead). */
const agent = new Agent({ keepAlive: true });

function rootModule(): DynamicModule {
  if (config.client === 'honeybee') {
    return {
      module: class HoneybeeClientModule {},
      imports: [
        HoneybeeAuthModule.forRoot(
          benchOptions(config.tokenUrl, { apiBaseUrl: config.apiBaseUrl, scopes: ['rx:read'] }),
        ),
      ],
    };
  }
  return {
    module: class NestjsAxiosClientModule {},
    imports: [
      HttpModule.register({
        baseURL: config.apiBaseUrl,
        timeout: TIMEOUT_MS,
        // What HoneybeeHttpService sends to Honeybee: the Bearer token and Accept JSON.
        headers: { authorization: `Bearer ${config.token}`, accept: 'application/json' },
        httpAgent: agent,
        adapter: config.adapter,
      }),
    ],
  };
}

const app = await NestFactory.createApplicationContext(rootModule(), { logger: ['error'] });
let http: HttpService;
if (config.client === 'honeybee') {
  http = app.get(HoneybeeHttpService);
  // HoneybeeHttpService's axios instance is the user's to configure like any other.
  http.axiosRef.defaults.httpAgent = agent;
  http.axiosRef.defaults.adapter = config.adapter;
} else {
  http = app.get(HttpService);
}

/** One GET; throws unless the API answered 200 with the body parsed. */
async function get(): Promise<void> {
  const res = await firstValueFrom(http.get<{ data: unknown[] }>('/items'));
  if (res.status !== 200 || !Array.isArray(res.data.data)) throw new Error('unexpected answer');
}

/** `callers` concurrent loops of GETs for `ms`. */
async function run(ms: number, callers: number): Promise<OutboundRun> {
  const latencies: number[] = [];
  let failed = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + ms;
  const caller = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await get();
        latencies.push(performance.now() - t0);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  const used = process.cpuUsage(cpu);
  return {
    count: latencies.length,
    failed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuUs: used.user + used.system,
  };
}

await get(); // the token fetched, the connection opened, before the parent times anything
/** One run, profiled when `profile` names a file. */
async function answer(ms: number, callers: number, profile?: string): Promise<void> {
  const profiler = profile ? await CpuProfiler.start() : undefined;
  const result = await run(ms, callers);
  await profiler?.stop(profile!);
  process.send!({ type: 'run', ...result });
}

process.on('message', (msg: { type: string; ms?: number; callers?: number; profile?: string }) => {
  if (msg.type === 'exit') void app.close().then(() => process.exit(0));
  if (msg.type === 'run') void answer(msg.ms!, msg.callers!, msg.profile);
});
process.send!({ ready: true });
