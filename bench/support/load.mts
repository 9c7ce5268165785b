/**
 * Load for the bench: autocannon for one URL with a fixed session cookie, and a small
 * browser loop for whole sign-ins (autocannon sends every request to one host, a sign-in
 * visits two: the app and the emulator). Both keep their connections alive.
 */
import autocannon from 'autocannon';
import { Agent, Client, request } from 'undici';

/** What one autocannon run reached. */
export interface LoadResult {
  /** Requests per second. */
  rate: number;
  /** Requests answered. */
  total: number;
}

/** Requests per second autocannon reaches on `url` in `seconds`; throws on any non-2xx answer. */
export async function requestsPerSecond(url: string, cookie: string, seconds: number, connections = 20): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { cookie, accept: 'application/json' },
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rate: result.requests.average, total: result.requests.total };
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

/** What one request of a browser loop saw. */
export interface Hop {
  status: number;
  location: string | undefined;
  cookie: string | undefined;
}

/** One GET, its body dropped; keeps the first cookie it sets. */
export async function hop(url: string, cookie?: string, accept = 'text/html'): Promise<Hop> {
  const answer = await request(url, { dispatcher: agent, headers: { accept, ...(cookie ? { cookie } : {}) } });
  await answer.body.dump();
  const setCookie = answer.headers['set-cookie'];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  const location = answer.headers.location;
  return { status: answer.statusCode, location: typeof location === 'string' ? location : undefined, cookie: first?.split(';')[0] };
}

/**
 * One browser signing in from scratch: the app's login URL, Egnyte's (auto-approving)
 * authorize step, the app's callback, then the first guarded request. Throws unless that
 * request answers 200.
 */
export async function signInOnce(appUrl: string, loginPath: string): Promise<string> {
  const login = await hop(appUrl + loginPath);
  if (login.status !== 302 || !login.location || !login.cookie) throw new Error(`login answered ${login.status}`);
  const authorize = await hop(login.location);
  if (authorize.status !== 302 || !authorize.location) throw new Error(`authorize answered ${authorize.status}`);
  const callback = await hop(new URL(authorize.location, login.location).href, login.cookie);
  if (callback.status !== 302 || !callback.location) throw new Error(`callback answered ${callback.status}`);
  const cookie = callback.cookie ?? login.cookie;
  const landed = await hop(new URL(callback.location, appUrl).href, cookie, 'application/json');
  if (landed.status !== 200) throw new Error(`first guarded request answered ${landed.status}`);
  return cookie;
}

/** Sign-ins per second reached by `browsers` concurrent browsers in `seconds`. */
export async function signInsPerSecond(appUrl: string, loginPath: string, seconds: number, browsers = 10): Promise<LoadResult> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: browsers }, async () => {
      while (performance.now() < until) {
        await signInOnce(appUrl, loginPath);
        done++;
      }
    }),
  );
  return { rate: done / ((performance.now() - started) / 1000), total: done };
}

/** `count` sign-ins, `browsers` at a time (for the memory and timer figures). */
export async function signInMany(appUrl: string, loginPath: string, count: number, browsers = 10): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: browsers }, async () => {
      while (started < count) {
        started++;
        await signInOnce(appUrl, loginPath);
      }
    }),
  );
}

/**
 * `cycles` rounds of one request to each of `paths`, one request in flight at a time, on one
 * keep-alive connection, in mirrored order every other round (A B C, C B A): drift in the
 * machine's speed falls on every path alike, request by request. Throws on any non-2xx answer.
 */
export async function alternatingRequests(baseUrl: string, paths: readonly string[], cookie: string, cycles: number): Promise<void> {
  const client = new Client(baseUrl, { pipelining: 1 });
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (const path of cycle % 2 ? [...paths].reverse() : paths) {
        const answer = await client.request({ path, method: 'GET', headers: { cookie, accept: 'application/json' } });
        await answer.body.dump();
        if (answer.statusCode < 200 || answer.statusCode > 299) throw new Error(`${path} answered ${answer.statusCode}`);
      }
    }
  } finally {
    await client.close();
  }
}

/** Closes the sign-in loop's connections. */
export function closeLoad(): Promise<void> {
  return agent.close();
}
