/**
 * Resolves once `cond` holds, polling on the event loop (so I/O from servers on 127.0.0.1 gets
 * its turn), never with a timed sleep; rejects after `maxMs` of real time.
 */
export async function waitFor(cond: () => boolean, maxMs = 5000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > maxMs) throw new Error('condition not met');
    await new Promise((r) => setImmediate(r));
  }
}
