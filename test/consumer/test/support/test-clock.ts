import { ManualClock } from 'honeybee-emulator';
import type { Clock } from 'nestjs-honeybee-auth';

/**
 * One time source for the emulator and for HoneybeeAuthModule (`HONEYBEE_CLOCK`). It moves
 * only when told to, and a retry back-off moves it instead of waiting, so no test sleeps.
 */
export class TestClock extends ManualClock implements Clock {
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.advance(ms);
    return Promise.resolve();
  }
}
