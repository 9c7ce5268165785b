/**
 * The TestBrowser: a minimal browser for the specs. It keeps the app's cookies, follows
 * redirects and meta refreshes across the app, the emulator and the emulator's `*.localhost`
 * domain origins, and sends the Referer Chromium would.
 */
import { loopbackFetch } from './loopback-fetch.js';
import { parseReferrerPolicy, refererFor, type ReferrerSource } from './referrer-policy.js';

/** One request of a navigation: where, what status, where it redirected. */
export interface Hop {
  status: number;
  url: string;
  location?: string;
}

/** Where a navigation ended: the last answer, read, and every hop on the way. */
export interface BrowserResponse {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  hops: Hop[];
}

/** Options of one request or navigation of the {@link TestBrowser}. */
export type BrowserInit = RequestInit & {
  /** The Accept header; default a browser's navigation Accept. */
  accept?: string;
  /**
   * The page this request or navigation starts from (its Referer); `null`: none (a typed
   * URL); default: where a navigation stopped at this URL came from, else none.
   */
  from?: ReferrerSource | null;
};

const META_REFRESH = /<meta\s+http-equiv="refresh"\s+content="[^"]*?url=([^"]*)"/i;

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * A minimal browser: keeps the app's cookies, follows redirects and meta refreshes across the
 * app, the emulator and the emulator's `*.localhost` domain origins, and sends the Referer a
 * browser would (the page a navigation starts from, under that page's referrer policy, the
 * default being strict-origin-when-cross-origin).
 */
export class TestBrowser {
  cookies = new Map<string, string>();
  /** Navigations stopped just before the app (see {@link untilApp}), by target URL: where they came from. */
  private readonly origins = new Map<string, ReferrerSource>();
  /** The same by target origin and path, the last one winning: for a stopped URL a test rewrote. */
  private readonly originsByPath = new Map<string, ReferrerSource>();

  /** Where a request to `url` comes from when the test does not say: the stopped navigation it resumes. */
  private originOf(url: string): ReferrerSource | undefined {
    const parsed = new URL(url);
    return this.origins.get(parsed.href) ?? this.originsByPath.get(parsed.origin + parsed.pathname);
  }

  constructor(readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keepCookies(url: string, headers: Headers): void {
    if (!url.startsWith(this.baseUrl)) return;
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  /**
   * One request, no redirect following. Relative URLs are on the app. The Referer is the one
   * of `init.from`, else of a navigation {@link untilApp} stopped at this URL (or, for a URL
   * a test rewrote, at the same path), else none; an explicit `referer` header wins, and an
   * empty one sends none.
   */
  async request(url: string, init: BrowserInit = {}): Promise<Response> {
    const absolute = new URL(url, this.baseUrl).href;
    const { accept, from, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('accept', accept ?? 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    if (absolute.startsWith(this.baseUrl) && this.cookies.size > 0) headers.set('cookie', this.cookieHeader);
    if (!headers.has('referer')) {
      const referer = refererFor(from === undefined ? this.originOf(absolute) : (from ?? undefined), absolute);
      if (referer !== undefined) headers.set('referer', referer);
    } else if (headers.get('referer') === '') {
      headers.delete('referer');
    }
    const response = await loopbackFetch(absolute, { ...rest, headers });
    this.keepCookies(absolute, response.headers);
    return response;
  }

  /**
   * Follows a navigation from `url` like a browser: GET after a 30x (whose Referrer-Policy,
   * if any, replaces the one in force) and a meta refresh (the refreshing page becomes the
   * referrer). With `stopAtApp`, stops before requesting the app and returns that URL.
   */
  private async navigate(url: string, init: BrowserInit, stopAtApp: boolean): Promise<BrowserResponse | string> {
    const hops: Hop[] = [];
    let current = new URL(url, this.baseUrl).href;
    let from = init.from === undefined ? this.originOf(current) : (init.from ?? undefined);
    let requestInit: BrowserInit = init;
    for (let i = 0; i < 15; i++) {
      if (stopAtApp && current.startsWith(this.baseUrl)) {
        if (from) {
          const parsed = new URL(current);
          this.origins.set(parsed.href, from);
          this.originsByPath.set(parsed.origin + parsed.pathname, from);
        }
        return current;
      }
      const response = await this.request(current, { ...requestInit, from: from ?? null });
      const location = response.headers.get('location') ?? undefined;
      hops.push({ status: response.status, url: current, ...(location ? { location } : {}) });
      const policy = parseReferrerPolicy(response.headers.get('referrer-policy'));
      requestInit = { ...(init.accept ? { accept: init.accept } : {}) };
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (from && policy) from = { url: from.url, policy };
        current = new URL(location, current).href;
        continue;
      }
      const body = await response.text();
      const refresh = (response.headers.get('content-type') ?? '').startsWith('text/html') ? META_REFRESH.exec(body) : null;
      if (refresh?.[1]) {
        from = { url: current, policy };
        current = new URL(unescapeHtml(refresh[1].trim()), current).href;
        continue;
      }
      if (stopAtApp) throw new Error(`answered ${response.status} at ${current} before reaching the app`);
      return { status: response.status, url: current, headers: response.headers, body, hops };
    }
    throw new Error(`too many redirects: ${hops.map((h) => h.url).join(' -> ')}`);
  }

  /** Follows redirects and meta refreshes like a browser, up to 15 hops. */
  async go(url: string, init: BrowserInit = {}): Promise<BrowserResponse> {
    return (await this.navigate(url, init, false)) as BrowserResponse;
  }

  /**
   * Follows a navigation through the emulator up to the point where it would come back to
   * the app, and returns that URL unvisited. Requesting it later ({@link request} or
   * {@link go}) sends the Referer the browser would have sent.
   */
  async untilApp(url: string | URL, init: BrowserInit = {}): Promise<string> {
    return (await this.navigate(String(url), init, true)) as string;
  }

  /**
   * Starts a sign-in: `/egnyte/login` with `returnTo`, then the URL the browser goes to next
   * (the Enhanced Auth prompt's form submitted with the domain, unless `direct` passed it to
   * login). That submission comes from the prompt page, so it carries that page's Referer.
   */
  async startLogin(domain = 'acme', opts: { direct?: boolean; returnTo?: string } = {}): Promise<string> {
    const query = new URLSearchParams();
    if (opts.returnTo) query.set('returnTo', opts.returnTo);
    if (opts.direct) query.set('domain', domain);
    const login = await this.request(`/egnyte/login?${query}`);
    const location = login.headers.get('location');
    if (login.status !== 302 || !location) throw new Error(`login answered ${login.status}`);
    if (opts.direct) return location;
    const submitted = `${location}&domain=${encodeURIComponent(domain)}`;
    this.origins.set(new URL(submitted).href, { url: location, policy: '' });
    return submitted;
  }

  /**
   * Signs in through the Enhanced Auth Service (domain typed at the prompt) or, with
   * `direct`, through `/egnyte/login?domain=`. The emulator must auto-approve.
   */
  async signIn(domain = 'acme', opts: { direct?: boolean; returnTo?: string } = {}): Promise<BrowserResponse> {
    return this.go(await this.startLogin(domain, opts));
  }
}
