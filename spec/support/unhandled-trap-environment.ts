/**
 * The test environment of every suite: Node's, plus a trap for unhandled promise rejections.
 * In production an unhandled rejection is a crash (Node's default), so in the tests it is a
 * failure wherever it happens:
 * - while tests and hooks run, jest-circus takes over the process's `unhandledRejection`
 *   listeners and fails the test whose code made the promise;
 * - before the first test and after the last hook (imports, the environment's own set-up and
 *   teardown, a rejection that surfaces only once the suite is done), this environment's
 *   listener records it, and teardown fails the suite with it.
 * `spec/unhandled-trap.spec.ts` runs a suite of each kind and checks that both fail.
 */
import { TestEnvironment } from 'jest-environment-node';

export default class UnhandledTrapEnvironment extends TestEnvironment {
  private readonly escaped: unknown[] = [];
  private readonly listener = (reason: unknown): void => {
    this.escaped.push(reason);
  };

  override async setup(): Promise<void> {
    await super.setup();
    process.on('unhandledRejection', this.listener);
  }

  override async teardown(): Promise<void> {
    // Rejections of timers or sockets the suite left behind surface a turn or two later.
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('unhandledRejection', this.listener);
    await super.teardown();
    if (this.escaped.length > 0) {
      const described = this.escaped.map((reason) => (reason instanceof Error ? reason.stack ?? reason.message : String(reason)));
      throw new Error(`Unhandled promise rejection${this.escaped.length === 1 ? '' : 's'} outside any test:\n${described.join('\n')}`);
    }
  }
}
