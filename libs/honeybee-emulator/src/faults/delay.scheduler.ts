/**
 * Real-time waits for `delayMs` faults that never keep the process alive (timers are unref'd)
 * and can all be cancelled at once when the emulator stops.
 */
export class DelayScheduler {
  readonly #pending = new Map<NodeJS.Timeout, (completed: boolean) => void>();

  /** Resolves `true` after `ms`, or `false` at once if {@link cancelAll} runs first. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve(true);
      }, ms);
      timer.unref();
      this.#pending.set(timer, resolve);
    });
  }

  /** Number of waits in progress. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Cancels every wait in progress; each resolves `false`. */
  cancelAll(): void {
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#pending.clear();
  }
}
