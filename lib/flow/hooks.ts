/**
 * The app's hooks: `afterCallback` decides a sign-in; `onLogin`/`onLogout` only observe.
 * An observer's failure must not change what happened, so it is logged (by name, never
 * with its message, which may quote anything) and swallowed.
 */
import type { Request } from 'express';
import { EgnyteAuthError } from '../errors/errors.js';
import { log } from '../log.js';
import type { AfterCallbackResult, EgnyteAuthOptions, EgnyteUser } from '../types.js';

/** Runs an observing hook; its errors are logged and ignored. */
export async function runHook<E>(name: string, hook: ((event: E) => void | Promise<void>) | undefined, event: E): Promise<void> {
  if (!hook) return;
  try {
    await hook(event);
  } catch (err) {
    log.login('%s hook failed: %s', name, err instanceof Error ? err.name : typeof err);
  }
}

const MAX_MESSAGE = 500;

/**
 * Runs `afterCallback`; a throw refuses the sign-in with 403 `sign_in_refused` carrying the
 * app's own message (escaped wherever it is shown). A return value is checked for shape.
 */
export async function decideSignIn(
  hook: EgnyteAuthOptions['afterCallback'],
  context: { req: Request; user: EgnyteUser; domain: string },
): Promise<AfterCallbackResult> {
  if (!hook) return {};
  let answer: void | AfterCallbackResult;
  try {
    answer = await hook(context);
  } catch (err) {
    const message = err instanceof Error && err.message ? err.message : 'This app does not let you sign in.';
    throw new EgnyteAuthError('sign_in_refused', message.slice(0, MAX_MESSAGE));
  }
  if (answer === undefined || answer === null) return {};
  if (typeof answer !== 'object' || (answer.user !== undefined && (typeof answer.user !== 'object' || answer.user === null || Array.isArray(answer.user)))) {
    throw new EgnyteAuthError('invalid_config', 'afterCallback must return nothing or { user?: object, data?: unknown }.');
  }
  return answer;
}
