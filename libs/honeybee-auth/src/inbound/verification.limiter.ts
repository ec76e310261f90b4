/**
 * A bound on verifications in flight at once (`inbound.maxConcurrentVerifications`). A flood
 * of distinct unknown tokens cannot each open a call to the authorization server and hold its
 * memory until it answers: beyond the bound a cache miss is refused at once (503 with
 * `Retry-After`), while cached verdicts and requests that join a verification already in
 * flight are not counted and keep being answered.
 */
export class VerificationLimiter {
  private inFlight = 0;

  constructor(private readonly max: number) {}

  /** Takes a slot; `false` when all are taken. Give it back with {@link release}. */
  tryAcquire(): boolean {
    if (this.inFlight >= this.max) return false;
    this.inFlight += 1;
    return true;
  }

  /** Gives back a slot taken with {@link tryAcquire}. */
  release(): void {
    this.inFlight -= 1;
  }

  /** Verifications in flight now. */
  get active(): number {
    return this.inFlight;
  }

  /** The bound. */
  get capacity(): number {
    return this.max;
  }
}
