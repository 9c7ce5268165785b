/**
 * Helpers for the security, fault, fuzz and load specs: stopping a sign-in just before the
 * callback (to replay, forge or transplant it), answering the emulator's consent page,
 * recording every URL the package fetches, a session store that fails on demand, and
 * capturing the package's debug output.
 */
import { format } from 'node:util';
import session from 'express-session';
import createDebug from 'debug';
import type { TestBrowser } from './harness.js';

/** The session cookie's raw value in a browser's jar (undefined when none). */
export function sessionCookie(browser: TestBrowser): string | undefined {
  return browser.cookies.get('connect.sid');
}

/**
 * Starts a sign-in in `browser` and follows it through the emulator, without cookies there,
 * up to the redirect back to the app: returns that callback URL unvisited (requesting it
 * through `browser` sends the Referer a browser would).
 * `domain` is typed at the Enhanced Auth prompt, or passed to login with `direct`.
 */
export async function startAttempt(
  browser: TestBrowser,
  domain = 'acme',
  opts: { direct?: boolean; returnTo?: string } = {},
): Promise<string> {
  return browser.untilApp(await browser.startLogin(domain, opts));
}

/** The hidden inputs of an HTML form (the emulator's pages escape values with entities). */
function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    out[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  }
  return out;
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Signs in with an emulator that shows its consent page (no autoApprove): login, domain
 * prompt, consent form posted with `decision` as `userId`. Returns the callback URL unvisited.
 */
export async function consentAttempt(
  browser: TestBrowser,
  domain: string,
  decision: { allow: true; userId: number } | { allow: false },
  opts: { returnTo?: string } = {},
): Promise<string> {
  const query = new URLSearchParams({ domain });
  if (opts.returnTo) query.set('returnTo', opts.returnTo);
  const login = await browser.request(`/egnyte/login?${query}`);
  const authorize = login.headers.get('location');
  if (login.status !== 302 || !authorize) throw new Error(`login answered ${login.status}`);
  const page = await fetch(authorize);
  const html = await page.text();
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (page.status !== 200 || !action) throw new Error(`consent page answered ${page.status}`);
  const form = new URLSearchParams(hiddenInputs(html));
  form.set('decision', decision.allow ? 'allow' : 'deny');
  if (decision.allow) form.set('user', String(decision.userId));
  const posted = await fetch(new URL(unescapeHtml(action), authorize), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  await posted.body?.cancel();
  const callback = posted.headers.get('location');
  if (posted.status !== 302 || !callback) throw new Error(`consent answered ${posted.status}`);
  return callback;
}

/** A fetch that records every URL it is asked for, then calls the real fetch. */
export function recordingFetch(): { fetch: typeof globalThis.fetch; urls: string[] } {
  const urls: string[] = [];
  const fetchFn: typeof globalThis.fetch = (input, init) => {
    urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    return globalThis.fetch(input, init);
  };
  return { fetch: fetchFn, urls };
}

/** How a {@link FlakyStore} operation misbehaves. */
export type StoreMode = 'ok' | 'fail' | 'slow';

/**
 * A MemoryStore whose `get`, `set` and `destroy` fail (with an error quoting a fake
 * password, to prove it is never shown) or stall, on demand.
 */
export class FlakyStore extends session.MemoryStore {
  modes: Record<'get' | 'set' | 'destroy', StoreMode> = { get: 'ok', set: 'ok', destroy: 'ok' };
  slowMs = 2000;
  readonly calls = { get: 0, set: 0, destroy: 0 };
  static readonly SECRET_IN_ERROR = 'redis://admin:hunter2-store-password@10.0.0.9:6379';

  private misbehave(op: 'get' | 'set' | 'destroy', run: () => void, callback?: (err?: unknown) => void): void {
    this.calls[op] += 1;
    const mode = this.modes[op];
    if (mode === 'fail') {
      setImmediate(() => callback?.(new Error(`connection to ${FlakyStore.SECRET_IN_ERROR} refused (${op})`)));
      return;
    }
    if (mode === 'slow') {
      setTimeout(run, this.slowMs).unref();
      return;
    }
    run();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.misbehave('get', () => super.get(sid, callback), callback);
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.misbehave('set', () => super.set(sid, data, callback), callback);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.misbehave('destroy', () => super.destroy(sid, callback), callback);
  }

  heal(): void {
    this.modes = { get: 'ok', set: 'ok', destroy: 'ok' };
  }
}

/** Turns on every `express-egnyte-auth*` debug namespace and collects what they print. */
export function captureDebug(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const previousLog = createDebug.log;
  const previousNamespaces = createDebug.disable();
  createDebug.log = (...args: unknown[]) => {
    lines.push(format(...args));
  };
  createDebug.enable('express-egnyte-auth*');
  return {
    lines,
    stop() {
      createDebug.disable();
      if (previousNamespaces) createDebug.enable(previousNamespaces);
      createDebug.log = previousLog;
    },
  };
}

/** Waits for a condition polled every 10 ms, up to `ms`. */
export async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
