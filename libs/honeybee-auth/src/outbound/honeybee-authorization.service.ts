import { Inject, Injectable } from '@nestjs/common';
import type { AxiosInstance } from 'axios';
import { HONEYBEE_AUTH_OPTIONS } from '../options/resolved-options.js';
import type { ResolvedHoneybeeAuthOptions } from '../options/resolved-options.js';
import { HoneybeeAuthorizationAxiosInterceptor } from './honeybee-authorization.axios-interceptor.js';
import { HoneybeeTokenService } from './token.service.js';

/**
 * Puts Honeybee authorization on an axios instance you own, for example the one behind an
 * `HttpService` from `HttpModule.register()`. The instance then behaves like
 * `HoneybeeHttpService`: a token only for `allowedOrigins`, never across redirects, one replay
 * after a 401, the token masked in errors.
 *
 * @example
 * constructor(http: HttpService, authorization: HoneybeeAuthorization) {
 *   authorization.install(http.axiosRef);
 * }
 */
@Injectable()
export class HoneybeeAuthorization {
  private readonly interceptor: HoneybeeAuthorizationAxiosInterceptor;
  private readonly installed = new WeakMap<AxiosInstance, () => void>();

  constructor(
    @Inject(HONEYBEE_AUTH_OPTIONS) options: ResolvedHoneybeeAuthOptions,
    @Inject(HoneybeeTokenService) tokens: HoneybeeTokenService,
  ) {
    this.interceptor = new HoneybeeAuthorizationAxiosInterceptor(tokens, options.allowedOrigins);
  }

  /**
   * Registers the authorization interceptor on `instance` (once: a second call is a no-op) and
   * returns a function that removes it. Never touches `instance.defaults`.
   *
   * With axios's default ordering, request interceptors run in reverse order of registration:
   * install this before interceptors that rewrite `url` or `baseURL` (a rewrite to another
   * origin after the token was attached still loses the token at dispatch time).
   */
  install(instance: AxiosInstance): () => void {
    let uninstall = this.installed.get(instance);
    if (!uninstall) {
      const eject = this.interceptor.install(instance);
      uninstall = () => {
        eject();
        this.installed.delete(instance);
      };
      this.installed.set(instance, uninstall);
    }
    return uninstall;
  }
}
