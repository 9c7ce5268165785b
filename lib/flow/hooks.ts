/**
 * `afterCallback`, the app's hook that decides a sign-in. (`onLogin` and `onLogout` only
 * observe: login/hook.ts runs them.)
 */
import type { Request } from 'express';
import { EgnyteAuthError } from '../errors/errors.js';
import type { AfterCallbackResult, EgnyteAuthOptions, EgnyteUser } from '../types.js';

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
