/**
 * Every key the package asks a coordination backend for, named in one place. The backend adds
 * its own prefix. Keys that one operation takes together (a flight's lock and its result) are
 * made here together, so their layout is decided once for every operation.
 */

/** The keys of one flight: its lock and its shared result. */
export interface FlightKeys {
  lock: string;
  result: string;
}

/** The shared record of a login (live, or its tombstone once ended). */
export function loginRecordKey(loginId: string): string {
  return `login:{${loginId}}`;
}

/**
 * Where 0.1.0 kept a login's record (`version|{domain,tokens}`, or `ended`): read once, to migrate
 * a session that 0.1.0 stored, never written.
 */
export function legacyLoginRecordKey(loginId: string): string {
  return `login:${loginId}`;
}

/** The lock and result keys of the flight `kind` (e.g. `'reload'`) for `id`. */
export function flightKeys(kind: string, id: string): FlightKeys {
  return { lock: `${kind}:lock:${id}`, result: `${kind}:result:${id}` };
}
