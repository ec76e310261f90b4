import { setMaxListeners } from 'node:events';

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
 * adds up under load (one per verification). The timer is unref'd. `onAbort` is called when it
 * fires, with whether the timeout did it: cheaper than a listener on the signal.
 */
export function deadline(
  timeoutMs: number,
  parent?: AbortSignal,
  onAbort?: (timedOut: boolean) => void,
): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
    onAbort?.(true);
  }, timeoutMs);
  timer.unref();
  const onParentAbort = () => {
    controller.abort(parent?.reason);
    onAbort?.(false);
  };
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

/**
 * An AbortController whose signal takes any number of listeners: a long-lived parent of
 * {@link deadline} gets one per call in flight, past Node's default warning threshold of 10.
 */
export function unboundedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(Infinity, controller.signal);
  return controller;
}
