/**
 * The headers of every answer the package renders itself (error pages and their JSON, the
 * "which domain?" question, the sign-out page, the sign-in confirmation), whatever the app
 * mounted before it. Several of these pages are served at a URL that holds an authorization
 * code (the callback's), and all of them hold a button or form that acts on this site:
 *
 * - `Referrer-Policy: no-referrer`: no link or resource of the page sends its URL anywhere;
 * - `Cache-Control: no-store`: no cache keeps a page that belongs to one sign-in;
 * - `X-Frame-Options: DENY` and a CSP with `frame-ancestors 'none'`: no other site frames the
 *   page to trick a click on its button.
 *
 * These three replace what the app set. The CSP is appended as a policy of its own: a browser
 * enforces every policy it is sent, so the app's policy (helmet's, say) keeps all its effect and
 * ours only adds restrictions. Ours allows the pages' inline `style` attributes and nothing else
 * to load; it sets no `form-action`, which browsers also apply to the redirect that follows a
 * form (the login forms end at Egnyte).
 */
import type { Response } from 'express';

/** The package's own Content-Security-Policy for its pages. */
export const PAGE_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/** Sets the headers of a page the package renders on `res` (see the module comment). */
export function setPageHeaders(res: Response): void {
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  res.append('Content-Security-Policy', PAGE_CONTENT_SECURITY_POLICY);
}

/** Sends `html` with `status` as a page the package renders. */
export function sendPage(res: Response, status: number, html: string): void {
  setPageHeaders(res);
  res.status(status).type('html').send(html);
}
