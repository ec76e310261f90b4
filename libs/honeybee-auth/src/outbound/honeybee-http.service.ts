import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import axios from 'axios';
import { InjectHoneybeeOptions } from '../options/inject-honeybee-options.decorator.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HoneybeeAuthorization } from './honeybee-authorization.service.js';

/**
 * `@nestjs/axios`'s `HttpService` for the Honeybee Partners API: same methods (Observables of
 * `AxiosResponse`), bound to an axios instance of its own whose `baseURL` is `apiBaseUrl`, with
 * {@link HoneybeeAuthorization} installed. Requests to `allowedOrigins` carry a Bearer token and
 * `Accept: application/json`; requests anywhere else carry no token.
 *
 * @example
 * const { data } = await firstValueFrom(honeybeeHttp.get(`/patients/${id}/rx`));
 * await firstValueFrom(honeybeeHttp.post('/orders', order, { honeybee: { scopes: ['orders:write'] } }));
 */
@Injectable()
export class HoneybeeHttpService extends HttpService {
  constructor(
    @InjectHoneybeeOptions() options: ResolvedHoneybeeAuthOptions,
    @Inject(HoneybeeAuthorization) authorization: HoneybeeAuthorization,
  ) {
    // A private instance: the process-wide default axios and its defaults stay untouched.
    super(axios.create({ baseURL: options.apiBaseUrl, timeout: options.httpTimeoutMs }));
    authorization.install(this.axiosRef);
  }
}
