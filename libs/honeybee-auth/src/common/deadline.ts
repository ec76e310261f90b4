/** An abort signal that fires after a timeout or with a parent signal, released by `dispose`. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Whether the timeout (not the parent) aborted it. */
  timedOut(): boolean;
  /** Clears the timer and unhooks the parent; call it once the operation is over. */
  dispose(): void;
}

/**
 * Like `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, but leaves nothing behind: on
 * Node 20 `AbortSignal.any` keeps a reference from a long-lived parent (the module's shutdown
 * signal) for every call, and `AbortSignal.timeout` keeps its timer for the full delay, which
 * adds up under load (one per verification). The timer is unref'd.
 */
export function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  timer.unref();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
