/**
 * The authorize step of a domain (`GET /puboauth/token` or `/puboauth/authorize`) and its
 * consent form (`POST /puboauth/consent`), on the domain's own origin or under `/d/{host}`:
 * the user picks who they are and allows or denies, and the browser goes back to the
 * application with a code or an error.
 */
import type { ServerResponse } from 'node:http';
import { callbackUrl, carriedParams, checkAuthRequest, codePkce } from './authorization-request.js';
import type { AuthCheck, AuthRequest } from './authorization-request.js';
import type { EmulatorContext } from './context.js';
import { redirect, sendHtml, sendJson } from './http.js';
import type { SeededUser } from './options.js';
import { autoContinuePage, consentPage, errorPage } from './pages.js';

/**
 * Shows the consent page, or with `autoApprove` goes back with a code at once. `prefix` is
 * `''` on the domain's own origin and `/d/{host}` on the shared one.
 */
export function handleAuthorize(
  ctx: EmulatorContext,
  res: ServerResponse,
  host: string,
  params: Record<string, string>,
  prefix: string,
): void {
  const check = checkAuthRequest(ctx.directory, host, params, ctx.settings.tokenErrorShape, ctx.settings.anyRedirectUri);
  if (!check.ok) return refuse(res, check);
  const { request } = check;
  if (request.responseType !== 'code') {
    return redirect(
      res,
      callbackUrl(request.redirectUri, {
        error: 'unsupported_response_type',
        error_description: 'Only response_type=code is supported.',
        state: request.state,
      }),
    );
  }
  if (request.pkce && 'error' in request.pkce) {
    return redirect(res, callbackUrl(request.redirectUri, { error: 'invalid_request', error_description: request.pkce.error, state: request.state }));
  }
  const candidates = ctx.directory.activeUsersOf(host);
  const first = candidates[0];
  if (!first) return sendHtml(res, 404, errorPage('No users', `The domain "${host}" has no active users in this emulator.`));
  const { autoApprove } = ctx.settings;
  if (autoApprove !== false) {
    // A named user of another domain falls back to this domain's first user.
    const named = typeof autoApprove === 'object' ? candidates.find((u) => u.username === autoApprove.username) : undefined;
    // On its own origin the domain shows a page the browser leaves by itself, so the callback
    // gets the Referer a real domain's sign-in page would give; a 302 would pass on the
    // Referer of whatever page started the chain instead.
    return approve(ctx, res, request, named ?? first, prefix === '' ? 'page' : 'redirect');
  }
  sendHtml(
    res,
    200,
    consentPage({
      action: `${prefix}/puboauth/consent`,
      host,
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      scopes: request.scope.split(' ').filter((s) => s !== ''),
      users: candidates,
      params: carriedParams(request, params),
    }),
  );
}

/**
 * Takes the consent form. The request is validated again, since the form's hidden fields
 * come back from the browser and may have been changed.
 */
export function handleConsent(ctx: EmulatorContext, res: ServerResponse, host: string, form: Record<string, string>): void {
  const check = checkAuthRequest(ctx.directory, host, form, ctx.settings.tokenErrorShape, ctx.settings.anyRedirectUri);
  if (!check.ok) return refuse(res, check);
  const { request } = check;
  if (form.decision === 'deny') {
    return redirect(
      res,
      callbackUrl(request.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied access to the application.',
        state: request.state,
      }),
    );
  }
  if (form.decision !== 'allow') {
    return sendHtml(res, 400, errorPage('Choose Allow or Deny', 'The form did not say whether to allow access.'));
  }
  const userId = Number(form.user);
  const user = ctx.directory.activeUsersOf(host).find((u) => u.id === userId);
  if (!user) return sendHtml(res, 400, errorPage('Unknown user', `Pick one of the users of ${host}.`));
  approve(ctx, res, request, user, 'redirect');
}

/** Shows a refused authorization request: Egnyte's raw JSON when it has one, else an error page. */
function refuse(res: ServerResponse, check: Extract<AuthCheck, { ok: false }>): void {
  if (check.json) return sendJson(res, check.status, check.json);
  sendHtml(res, check.status, errorPage(check.title, check.message));
}

/** Issues a code for `user` and sends the browser back to the application with it. */
function approve(ctx: EmulatorContext, res: ServerResponse, request: AuthRequest, user: SeededUser, how: 'redirect' | 'page'): void {
  const code = ctx.store.issueCode({
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    host: request.host,
    userId: user.id,
    scope: request.scope,
    ...codePkce(request),
  });
  const target = callbackUrl(request.redirectUri, {
    code,
    state: request.state,
    domain: request.viaEas && ctx.settings.easDomainParam ? request.host : undefined,
  });
  if (how === 'page') return sendHtml(res, 200, autoContinuePage(target, request.host));
  redirect(res, target);
}
