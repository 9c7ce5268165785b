/** The user of a login as the session keeps it: made from Egnyte's answer and the app's extras. */
import { parseEgnyteUser } from '../egnyte/user.js';
import type { EgnyteLogin } from './types.js';
import type { EgnyteUser } from '../egnyte/user.js';

/**
 * The user of `login`: Egnyte's fields over the fields `afterCallback` added (Egnyte's win), or
 * the whole user a session stored by an earlier version keeps. `undefined` when the session holds
 * no usable answer (the login then reads the user again). Pure.
 */
export function storedUser(login: Pick<EgnyteLogin, 'domain' | 'user' | 'userinfo' | 'userExtra'>): EgnyteUser | undefined {
  if (login.user) return login.user;
  if (!login.userinfo) return undefined;
  try {
    return { ...login.userExtra, ...parseEgnyteUser(login.userinfo, login.domain) };
  } catch {
    return undefined;
  }
}
