/** Helpers for the fault specs: a route exposing what the session holds, and JSON requests. */
import type { Express } from 'express';
import type { TestBrowser } from './harness.js';

/** What `/test/session` reports. */
export interface SessionView {
  signedIn: boolean;
  hasUser: boolean;
  pending: number;
}

/** Mounts `GET /test/session`: whether the session holds a login, a user, and how many pending attempts. */
export function sessionViewRoute(app: Express): void {
  app.get('/test/session', (req, res) => {
    const data = req.session.egnyte;
    const view: SessionView = { signedIn: data?.login !== undefined, hasUser: data?.login?.userinfo !== undefined || data?.login?.user !== undefined, pending: data?.pending?.length ?? 0 };
    res.json(view);
  });
}

export async function sessionView(browser: TestBrowser): Promise<SessionView> {
  const res = await browser.request('/test/session', { accept: 'application/json' });
  return (await res.json()) as SessionView;
}

export interface JsonAnswer {
  status: number;
  retryAfter: string | null;
  body: { error?: string; message?: string; retryAfter?: number; stale?: boolean; user?: { username: string }; [field: string]: unknown };
}

/** A request that asks for JSON, with status, Retry-After and body. */
export async function getJson(browser: TestBrowser, url: string): Promise<JsonAnswer> {
  const res = await browser.request(url, { accept: 'application/json' });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? (JSON.parse(text) as JsonAnswer['body']) : {} };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
