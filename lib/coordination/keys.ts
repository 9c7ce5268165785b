/**
 * Every key the package asks a coordination backend for, named in one place. The backend adds
 * its own prefix. Keys that one operation takes together (a flight's lock and its result) are
 * made here together, so their layout is decided once for every operation.
 *
 * The layout is Redis Cluster's: a cluster runs a multi-key script only when all its keys
 * live in one hash slot, and hashes only a key's hash tag (what is between its first `{` and
 * the first `}` after it) when it has one. So each key carries the id it belongs to as its
 * tag: a login's record and its re-read and refresh flights share the login's tag (one slot
 * per login), a callback's flight has its state's; different ids make different tags, so a
 * cluster spreads keys over its masters by login. Ids are escaped into the tag (`%`, `{`,
 * `}`), so any id, even a hostile `state`, yields one well-formed, non-empty tag.
 *
 *   login:{<loginId>}                          the login's record
 *   reload:lock:{<loginId>}, reload:result:{<loginId>}     its userinfo re-read
 *   refresh:lock:{<loginId>}, refresh:result:{<loginId>}   its token refresh
 *   state:lock:{<state>}, state:result:{<state>}           a callback, once per state
 *   login:<loginId>                            0.1.0's record (read and deleted once its session is migrated)
 *
 * The backends check every multi-key operation with {@link assertOneSlot}.
 */
import { EgnyteAuthError } from '../errors/errors.js';

/** The keys of one flight: its lock and its shared result. */
export interface FlightKeys {
  lock: string;
  result: string;
}

/** `{id}`, with `%`, `{` and `}` escaped; an empty id gets `{%}`, which no other id makes. */
function tag(id: string): string {
  return id === '' ? '{%}' : `{${id.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D'))}}`;
}

/** The shared record of a login (live, or its tombstone once ended). */
export function loginRecordKey(loginId: string): string {
  return `login:${tag(loginId)}`;
}

/**
 * Where 0.1.0 kept a login's record (`version|{domain,tokens}`, or `ended`): read once, to migrate
 * a session that 0.1.0 stored, and deleted once its login moved to a record of this version.
 */
export function legacyLoginRecordKey(loginId: string): string {
  return `login:${loginId}`;
}

/**
 * The lock and result keys of the flight `kind` (e.g. `'reload'`) for `id`: one hash tag for
 * both, the id's, so a login's flights live in its record's slot.
 */
export function flightKeys(kind: string, id: string): FlightKeys {
  const t = tag(id);
  return { lock: `${kind}:lock:${t}`, result: `${kind}:result:${t}` };
}

/**
 * What Redis Cluster hashes for `key`: the text between the first `{` and the first `}` after
 * it when that is not empty, else the whole key.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * True when `keys` may go into one multi-key operation: they are one key, or all carry the
 * same hash tag. Two keys that land in one slot by chance do not count: the rule is about
 * the layout, so it holds on any cluster and is checked the same on every backend.
 */
export function sameHashTag(keys: readonly string[]): boolean {
  const first = keys[0];
  if (first === undefined || keys.every((key) => key === first)) return true;
  const tags = keys.map((key) => {
    const t = hashTagOf(key);
    return t === key ? undefined : t;
  });
  return tags[0] !== undefined && tags.every((t) => t === tags[0]);
}

/**
 * Refuses (`invalid_config`, a programming mistake in the package or in code calling a
 * backend directly) the keys of a multi-key operation that do not share a hash tag.
 */
export function assertOneSlot(operation: string, keys: readonly string[]): void {
  if (sameHashTag(keys)) return;
  throw new EgnyteAuthError(
    'invalid_config',
    `Coordination ${operation}: the keys of one operation must share a hash tag ({...}), so that a Redis Cluster keeps them in one slot. Build them with flightKeys() in coordination/keys.ts.`,
  );
}
