/** Redirects without a body. */
import type { Response } from 'express';

/**
 * Answers 302 to `url` with no body (the `Location` encoded as `res.redirect()` does). Express's
 * `res.redirect()` negotiates a small HTML or text body that browsers never show, which costs
 * more than the rest of a redirect; and with no body, express-session's save at the end of the
 * request completes before the headers leave, since it holds back only what is written.
 */
export function redirect(res: Response, url: string): void {
  res.location(url);
  res.statusCode = 302;
  res.setHeader('Content-Length', '0');
  res.end();
}
