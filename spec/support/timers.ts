/** Counting timers in a spec, unref'd ones included (`process.getActiveResourcesInfo` skips those). */
import { createHook } from 'node:async_hooks';

/** Counts Timeout resources created while tracking and not yet fired or cleared. */
export function trackTimers(): { alive(): number; stop(): void } {
  const alive = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') alive.add(id);
    },
    destroy(id) {
      alive.delete(id);
    },
  });
  hook.enable();
  return { alive: () => alive.size, stop: () => hook.disable() };
}
