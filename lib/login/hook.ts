/**
 * The app's observing hooks, `onLogin` and `onLogout`: they only observe, so a failure of
 * theirs must not change what happened. It is logged (by name, never with its message, which
 * may quote anything) and swallowed.
 */
import { log } from '../log.js';

/** Runs an observing hook; its errors are logged and ignored. */
export async function runHook<E>(name: string, hook: ((event: E) => void | Promise<void>) | undefined, event: E): Promise<void> {
  if (!hook) return;
  try {
    await hook(event);
  } catch (err) {
    log.login('%s hook failed: %s', name, err instanceof Error ? err.name : typeof err);
  }
}
