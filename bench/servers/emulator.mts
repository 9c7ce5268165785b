/** Bench child: the Egnyte emulator, auto-approving, unthrottled; `calls` reports its counters. */
import { startEgnyteEmulator } from '../../lib/testing/index.js';
import { serveCommands } from '../support/child.mjs';

const emulator = await startEgnyteEmulator({ autoApprove: true, qps: 0 });
serveCommands(Number(new URL(emulator.url).port), {
  calls: () => ({ ...emulator.calls }),
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
});
