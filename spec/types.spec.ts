/**
 * Compile-time checks of the public typing, run by `tsc --noEmit -p .` (this file is in
 * tsconfig's include). Every `@ts-expect-error` fails the typecheck when the error it
 * expects disappears, i.e. when a property stops being typed. The runtime test only keeps
 * jest from complaining about an empty suite.
 */
import type { RequestHandler } from 'express';
import {
  requireEgnyteUser,
  withEgnyteUser,
  type EgnyteLoginOptions,
  type EgnyteRequest,
  type EgnyteAuthErrorCode,
  type EgnyteAuthOptions,
  type EgnyteRequestContext,
  type EgnyteTokenSet,
  type EgnyteUser,
} from '../lib/index.js';
import type { EgnyteEmulator } from '../lib/testing/index.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

const handler: RequestHandler = withEgnyteUser(async (req, res) => {
  // Behind the guard, req.egnyte is set: withEgnyteUser types req as EgnyteRequest.
  const firstName: string = req.egnyte.user.firstName;
  const subject: string = req.egnyte.user.subject;
  const loginId: string = req.egnyte.loginId;
  const data: unknown = req.egnyte.data;
  const id: number = req.egnyte.user.id;
  const email: string | undefined = req.egnyte.user.email;
  const stale: boolean = req.egnyte.stale;
  const response: Response = await req.egnyte.fetch('/pubapi/v2/users/' + id);
  // @ts-expect-error -- there is no such property on the user
  void req.egnyte.user.first_name;
  // The access token is reached through a call, never a property.
  const token: Promise<string> = req.egnyte.accessToken();
  void token;

  // req.session.egnyte is typed by the express-session augmentation.
  const domain: string | undefined = req.session.egnyte?.login?.domain;
  // @ts-expect-error -- tokens are not in the session: they live in the login's record
  const tokens: EgnyteTokenSet | undefined = req.session.egnyte?.login?.tokens;
  const endsAt: number | undefined = req.session.egnyte?.login?.endsAt;
  const returnTo: string | undefined = req.session.egnyte?.pending?.find((attempt) => attempt.state === 'state')?.returnTo;
  // @ts-expect-error -- login.domain is a string, not a number
  const wrong: number | undefined = req.session.egnyte?.login?.domain;
  // @ts-expect-error -- there is no such property on the login
  void req.session.egnyte?.login?.accessToken;

  res.json({ firstName, subject, loginId, data, email, stale, status: response.status, domain, tokens: tokens !== undefined, endsAt, returnTo, wrong });
});

// Elsewhere req.egnyte is optional (attachEgnyteUser sets it only when signed in).
export const optional: RequestHandler = (req, res) => {
  // @ts-expect-error -- req.egnyte may be undefined outside the guard
  void req.egnyte.user;
  const name: string | undefined = req.egnyte?.user.firstName;
  // res.egnyteLogin starts a login from the app's own handler.
  const options: EgnyteLoginOptions = { returnTo: '/files', domain: 'acme', region: 'eu' };
  void res.egnyteLogin?.(options);
  // @ts-expect-error -- region is us or eu
  void res.egnyteLogin?.({ region: 'asia' });
  res.json({ name });
};

assertType<Equals<EgnyteRequest['egnyte'], EgnyteRequestContext>>();

assertType<Equals<EgnyteRequestContext['user'], EgnyteUser>>();
assertType<Equals<EgnyteUser['userType'], string | undefined>>();
assertType<Equals<Extract<EgnyteAuthErrorCode, 'login_required'>, 'login_required'>>();
assertType<Equals<EgnyteEmulator['calls']['userinfo'], number>>();
export function neverCalled(): RequestHandler {
  // @ts-expect-error -- onUnauthenticated takes only the documented modes
  return requireEgnyteUser({ onUnauthenticated: 'never' });
}

test('the typed handler compiles (checked by tsc, not at run time)', () => {
  expect(typeof handler).toBe('function');
});

// Fields added by afterCallback are typed by declaration merging, as README shows.
declare module 'express-egnyte-auth' {
  interface EgnyteUser {
    plan?: string;
  }
}
export const planOf = (user: EgnyteUser): string | undefined => user.plan;

// What afterCallback keeps as `data` is typed by merging into EgnyteLoginData (issue 20, point 6).
declare module 'express-egnyte-auth' {
  interface EgnyteLoginData {
    accountId: string;
  }
}
export const accountOf = withEgnyteUser((req, res) => {
  const accountId: string | undefined = req.egnyte.data?.accountId;
  // @ts-expect-error -- the merged data has no such field
  void req.egnyte.data?.acountId;
  res.json({ accountId });
});

// afterCallback's `user` is tied to the app's EgnyteUser fields: a typo or a wrong type is an error.
export const hooks: Pick<EgnyteAuthOptions, 'afterCallback'>[] = [
  { afterCallback: () => ({ user: { plan: 'pro' }, data: { accountId: 'a-1' } }) },
  // @ts-expect-error -- "plann" is not a field of EgnyteUser
  { afterCallback: () => ({ user: { plann: 'pro' } }) },
  // @ts-expect-error -- plan is a string
  { afterCallback: () => ({ user: { plan: 3 } }) },
  // @ts-expect-error -- Egnyte's own fields always come from Egnyte
  { afterCallback: () => ({ user: { username: 'someone-else' } }) },
  // @ts-expect-error -- data has the merged shape
  { afterCallback: () => ({ data: { accountId: 7 } }) },
];
