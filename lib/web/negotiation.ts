/** Content negotiation that prefers JSON: only requests that ask for HTML are treated as browsers. */
import type { Request } from 'express';

/**
 * True when the request prefers HTML over JSON. `*\/*`, a missing Accept header and the
 * defaults of fetch and axios count as API clients.
 */
export function prefersHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}
