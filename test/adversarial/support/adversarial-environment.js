import { TestEnvironment } from 'jest-environment-node';

/**
 * Jest's Node environment plus counters of unhandled rejections and uncaught exceptions seen
 * by the **real** process while a test file runs. A test file's own `process.on(...)` never
 * fires: Jest hands each file a copy of `process`, and jest-circus swaps the real process's
 * listeners for its own during the run. This environment adds its listeners right after
 * circus's (on the `setup` event, whose `parentProcess` is the real one) and removes them on
 * `teardown`. Files read the counters from `globalThis.__honeybeeProcessFaults`.
 */
export default class AdversarialEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    /** @type {{ unhandledRejections: unknown[], uncaughtExceptions: unknown[] }} */
    this.faults = { unhandledRejections: [], uncaughtExceptions: [] };
    this.global.__honeybeeProcessFaults = this.faults;
    this.onRejection = (reason) => this.faults.unhandledRejections.push(reason);
    this.onException = (error) => this.faults.uncaughtExceptions.push(error);
  }

  async handleTestEvent(event) {
    if (event.name === 'setup') {
      this.parentProcess = event.parentProcess;
      this.parentProcess.on('unhandledRejection', this.onRejection);
      this.parentProcess.on('uncaughtException', this.onException);
    } else if (event.name === 'teardown' && this.parentProcess) {
      this.parentProcess.off('unhandledRejection', this.onRejection);
      this.parentProcess.off('uncaughtException', this.onException);
    }
  }
}
