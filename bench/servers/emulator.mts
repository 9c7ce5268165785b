/** Bench child: the Egnyte emulator, auto-approving, unthrottled, no daily quota (the fetch figures call it thousands of times with one token); `calls` reports its counters. */
import { serveCommands } from '../support/child.mjs';
import { testing } from '../support/package.mjs';

const emulator = await testing.startEgnyteEmulator({ autoApprove: true, qps: 0, dailyQuota: 0 });
serveCommands(Number(new URL(emulator.url).port), {
  calls: () => ({ ...emulator.calls }),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
});
