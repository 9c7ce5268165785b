/**
 * The Enhanced Auth Service (`/eas/{us|eu}/services/oauth/code`): asks the user for their
 * Egnyte domain, then sends them on to that domain's authorize step.
 */
import type { ServerResponse } from 'node:http';
import { isEgnyteAuthError } from '../errors/errors.js';
import type { EmulatorContext } from './context.js';
import { redirect, sendHtml } from './http.js';
import { domainOrigin } from './origins.js';
import { domainPromptPage } from './pages.js';

/**
 * Shows the domain prompt, or with a known `domain` redirects to its authorize step, on the
 * domain's own origin as Egnyte does, with the other query parameters and `eas=1` (so the
 * callback can name the domain when `easDomainParam` asks for it).
 */
export function handleEnhancedAuth(ctx: EmulatorContext, res: ServerResponse, pathname: string, query: Record<string, string>): void {
  const { domain: typed, ...rest } = query;
  // `eas` is ours to set: a caller's value must not survive the round trip through the prompt.
  delete rest.eas;
  const prompt = (status: number, error?: string): void =>
    sendHtml(
      res,
      status,
      domainPromptPage({
        action: pathname,
        params: rest,
        knownDomains: ctx.directory.knownDomains,
        ...(typed !== undefined ? { typed } : {}),
        ...(error !== undefined ? { error } : {}),
      }),
    );
  if (typed === undefined) return prompt(200);
  if (typed.trim() === '') return prompt(400, 'Enter your Egnyte domain, e.g. "acme" or "acme.egnyte.com".');
  let host: string;
  try {
    host = ctx.settings.normalize(typed);
  } catch (err) {
    if (isEgnyteAuthError(err)) return prompt(400, err.message);
    throw err;
  }
  if (!ctx.directory.isKnownDomain(host)) return prompt(404, `There is no Egnyte domain "${host}". Check the spelling and try again.`);
  const target = new URLSearchParams(rest);
  target.set('eas', '1');
  redirect(res, `${domainOrigin(host, Number(new URL(ctx.url).port))}/puboauth/token?${target.toString()}`);
}
