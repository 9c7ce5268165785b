/**
 * Logout wins over writes still in flight. A request that loaded the session before a
 * logout (a slow handler, another tab, another instance) writes its copy back when it ends,
 * login included, and with `maxAge`/`rolling` re-sends the old cookie. Every session write
 * of a request that passed through the router goes through this wrapper: after the store
 * wrote a session that carries a login, it reads the login's record, and if it is a tombstone
 * destroys the session again.
 *
 * Why after, not before: logout writes its tombstone before it destroys the session, and the
 * wrapper writes before it checks. In every interleaving one of the two deletes comes last,
 * so no copy of an ended login survives; a check before the write would leave a window.
 * Only writes pay for the check: a request that changes nothing writes nothing.
 */
import type { Request } from 'express';
import type { SessionData, Store } from 'express-session';
import type { LoginRecords } from './record.js';
import { log } from '../log.js';

type Callback = (err?: unknown) => void;

/** Store wrappers per store, for one runtime. */
export type StoreGuards = WeakMap<Store, Store>;

/** Sessions whose next write holds a login no one else can know of yet. */
const unexposed = new WeakSet<object>();

/**
 * What the callback's save wrote of a new login's session. express-session writes a
 * regenerated session once more at the end of the response whatever changed (it compares
 * with the session the request started with); when nothing did, that write is left out: a
 * round trip, a store write and a logout check less per sign-in.
 */
const savedNewLogins = new WeakMap<object, { sid: string; content: string }>();

/**
 * Skips the check for the next write of `session`: the callback's save of a login it has just
 * created, before its outcome (the session id) is shared with anyone or its cookie sent. No
 * logout can have ended a login nobody knows; the writes after it are checked as usual.
 */
export function savingNewLogin(session: object): void {
  unexposed.add(session);
}

/** The session as the store keeps it, but its cookie: express-session touches the cookie before its last write. */
function content(session: SessionData): string {
  const { cookie: _cookie, ...data } = session;
  return JSON.stringify(data);
}

/** True when this write is express-session's repeat of the new login's save, nothing changed since. */
function repeatsNewLoginSave(sid: string, session: SessionData): boolean {
  const saved = savedNewLogins.get(session);
  if (!saved) return false;
  savedNewLogins.delete(session);
  return saved.sid === sid && saved.content === content(session);
}

function guarded(store: Store, records: LoginRecords): Store {
  const wrapper = Object.create(store) as Store;
  wrapper.set = function set(sid: string, session: SessionData, callback?: Callback): void {
    const fresh = unexposed.delete(session);
    // Not writing is always safe here: what the store holds is what this write would put there.
    if (!fresh && repeatsNewLoginSave(sid, session)) return callback?.();
    const written = fresh ? content(session) : undefined;
    store.set(sid, session, (err?: unknown) => {
      if (written !== undefined && !err) savedNewLogins.set(session, { sid, content: written });
      const loginId = session?.egnyte?.login?.id;
      if (err || !loginId || fresh) return callback?.(err);
      records.read(loginId).then(
        (state) => {
          if (state.kind !== 'ended') return callback?.();
          log.guard('a write of an ended login was undone');
          store.destroy(sid, () => callback?.());
        },
        // The backend is down: the write stands; the login's tokens were revoked at logout.
        () => callback?.(),
      );
    });
  };
  return wrapper;
}

/** Routes this request's session writes through the logout check. */
export function guardSessionWrites(req: Request, guards: StoreGuards, records: LoginRecords): void {
  const store = req.sessionStore as Store | undefined;
  if (!store) return;
  let wrapper = guards.get(store);
  if (!wrapper) {
    wrapper = guarded(store, records);
    guards.set(store, wrapper);
  }
  req.sessionStore = wrapper as typeof req.sessionStore;
}
