/**
 * Per-request Honeybee settings, passed as the `honeybee` field of an axios request config
 * (or of `axios.create()` / `HttpModule.register()` to set them for a whole instance).
 *
 * @example
 * honeybeeHttp.post('/orders', order, { honeybee: { scopes: ['orders:write'] } });
 * honeybeeHttp.get('https://status.example.com/ping', { honeybee: { authorize: false } });
 */
export interface HoneybeeRequestOptions {
  /**
   * Scopes of the token for this request. Order and duplicates do not matter.
   * @default the module's `scopes`
   */
  scopes?: string[];
  /**
   * `false` sends this request without a Honeybee token even to an allowed origin.
   * `true` cannot add a token to a request for an origin outside `allowedOrigins`.
   * @default true
   */
  authorize?: boolean;
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Honeybee authorization settings of this request ({@link HoneybeeRequestOptions}). */
    honeybee?: HoneybeeRequestOptions;
  }
}
