/**
 * The signed-in user as Egnyte describes it (`GET /pubapi/v1/userinfo`), and how its answer is
 * read. Egnyte's userinfo is not OIDC (no `sub`): the stable identity is made of the domain and
 * Egnyte's user id.
 */
import { EgnyteAuthError } from '../errors/errors.js';

/** The signed-in Egnyte user, from `GET /pubapi/v1/userinfo`. */
export interface EgnyteUser {
  // Fields `afterCallback` adds are there at run time; type them by declaration merging:
  // `declare module 'express-egnyte-auth' { interface EgnyteUser { role?: string } }`.
  /**
   * `${domain}:${id}`: the stable identity to key your own records on. Egnyte user ids are
   * unique within a domain only, so `id` alone mixes up customers.
   */
  subject: string;
  /** Egnyte's numeric user id. */
  id: number;
  /** Login name within the domain. */
  username: string;
  /** Given name. */
  firstName: string;
  /** Family name. */
  lastName: string;
  /** Email, when Egnyte sends it. */
  email?: string;
  /** `admin`, `power` or `standard`, when Egnyte sends it. */
  userType?: string;
  /** Every field Egnyte sent, as received (snake_case). */
  raw: Readonly<Record<string, unknown>>;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Reads Egnyte's userinfo answer of `domain` into an {@link EgnyteUser}. Pure; throws
 * `upstream_error` when the answer has no usable id or username.
 */
export function parseEgnyteUser(body: unknown, domain: string): EgnyteUser {
  const raw = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const id = typeof raw.id === 'string' && /^\d+$/.test(raw.id) ? Number(raw.id) : raw.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof raw.username !== 'string' || raw.username === '') {
    throw new EgnyteAuthError('upstream_error', 'Egnyte\'s userinfo answer has no user id or username.');
  }
  return {
    subject: `${domain}:${id}`,
    id,
    username: raw.username,
    firstName: text(raw.first_name),
    lastName: text(raw.last_name),
    ...(typeof raw.email === 'string' ? { email: raw.email } : {}),
    ...(typeof raw.user_type === 'string' ? { userType: raw.user_type } : {}),
    raw: Object.freeze({ ...raw }),
  };
}
