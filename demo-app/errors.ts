/**
 * The demo's error handler: a friendly page per EgnyteAuthError code for browsers, the
 * package's own `egnyteErrorHandler()` (JSON) for API clients. Never stack traces or secrets.
 */
import type { ErrorRequestHandler, Request } from 'express';
import { EgnyteAuthError, egnyteErrorHandler } from 'express-egnyte-auth';
import { errorPage } from './pages.js';
import type { ErrorView, PageContext } from './pages.js';

type Code = EgnyteAuthError['code'];

const TRY_AGAIN = { href: '/egnyte/login?returnTo=%2Fprofile', label: 'Try again' } as const;
const SIGN_IN = { href: '/egnyte/login?returnTo=%2Fprofile', label: 'Sign in' } as const;

/** Title, explanation and next step for each code. */
const VIEWS: Readonly<Record<Code, Omit<ErrorView, 'status' | 'code' | 'detail' | 'retryAfter'> & { showDetail?: boolean }>> = {
  access_denied: {
    title: 'You declined access',
    explanation: 'You chose "Deny" on Egnyte\'s consent page, so this app was not given access to your Egnyte account and nothing was shared. You can sign in again whenever you like.',
    action: TRY_AGAIN,
  },
  invalid_domain: {
    title: 'That is not an Egnyte domain',
    explanation: 'Type your company\'s Egnyte name, e.g. "acme" or "acme.egnyte.com": the address you use to open Egnyte in your browser.',
    action: { href: '/', label: 'Enter it again' },
    showDetail: true,
  },
  domain_not_allowed: {
    title: 'This Egnyte domain cannot sign in here',
    explanation: 'This app only accepts users from specific Egnyte domains, and yours is not one of them. Ask the app\'s administrator to add it.',
    showDetail: true,
  },
  state_missing: {
    title: 'Your sign-in session was lost',
    explanation: 'The browser came back from Egnyte without the sign-in state this app started. This usually means cookies are blocked, or the app was opened under a different address (for example 127.0.0.1 instead of localhost). Start again from this app.',
    action: TRY_AGAIN,
  },
  state_mismatch: {
    title: 'Your sign-in session was lost',
    explanation: 'The answer from Egnyte does not belong to a sign-in started in this browser session: it may have expired, been used already, or been started in another tab or under another address. Start again from this app.',
    action: TRY_AGAIN,
  },
  session_missing: {
    title: 'Your sign-in session was lost',
    explanation: 'This browser has no session with the app any more: cookies may be blocked, the session may have expired or the app restarted, or the app was opened under a different address than the one it is configured with. Start again from this app.',
    action: TRY_AGAIN,
  },
  authorization_failed: {
    title: 'Egnyte could not complete the sign-in',
    explanation: 'Egnyte reported an error while asking for your consent.',
    action: TRY_AGAIN,
    showDetail: true,
  },
  missing_code: {
    title: 'Egnyte could not complete the sign-in',
    explanation: 'Egnyte sent the browser back without an authorization code. Please start again.',
    action: TRY_AGAIN,
  },
  invalid_request: {
    title: 'That request could not be understood',
    explanation: 'The sign-in request was incomplete or malformed. Please start again from this app.',
    action: TRY_AGAIN,
    showDetail: true,
  },
  unknown_domain: {
    title: 'We could not tell which Egnyte domain you signed in to',
    explanation: 'Egnyte did not say which domain the sign-in was for. Sign in with your domain typed in directly instead.',
    action: { href: '/', label: 'Sign in with your domain' },
  },
  token_exchange_failed: {
    title: 'Egnyte did not accept the sign-in',
    explanation: 'Egnyte refused to finish the sign-in for this app. The sign-in may have taken too long, or the app\'s key, secret or redirect address may be misconfigured.',
    action: TRY_AGAIN,
    showDetail: true,
  },
  developer_inactive: {
    title: 'This app\'s Egnyte key is not active',
    explanation: 'Egnyte answered "Developer Inactive": the app\'s API key is wrong, not yet active, or meant for Egnyte\'s test environment. The app\'s developer needs to check its key.',
  },
  key_domain_mismatch: {
    title: 'This app is not yet available for your Egnyte domain',
    explanation: 'Until an Egnyte integration is certified, its key only works on the one Egnyte domain it was registered for. Ask the app\'s developer to have the key certified, or use the registered domain.',
  },
  rate_limited: {
    title: 'Egnyte asked us to slow down',
    explanation: 'Egnyte limits how often an app may call it (a few calls per second, and a daily quota). Please wait a moment, then try again.',
    action: { href: '/profile', label: 'Try again' },
  },
  sign_in_throttled: {
    title: 'Too many failed sign-ins',
    explanation: 'Many sign-ins from your network failed recently, or many are under way at once, so this app is not asking Egnyte about another one from it for a while: failed sign-ins use up an allowance all users of this app share. Sign-ins from other networks are not affected. Try again later.',
    action: { href: '/', label: 'Back to the start' },
    showDetail: true,
  },
  upstream_unavailable: {
    title: 'Egnyte cannot be reached right now',
    explanation: 'Egnyte did not answer in time or could not be reached. Please try again in a minute.',
    action: { href: '/profile', label: 'Try again' },
  },
  upstream_error: {
    title: 'Egnyte answered with an error',
    explanation: 'Egnyte could not handle the request just now. Please try again later.',
    action: { href: '/profile', label: 'Try again' },
  },
  login_required: {
    title: 'Please sign in again',
    explanation: 'You are not signed in, or Egnyte no longer accepts your sign-in (for example after a password change).',
    action: SIGN_IN,
  },
  session_store_failed: {
    title: 'We could not save your session',
    explanation: 'The app\'s session storage is not working right now. Please try again in a moment.',
    action: TRY_AGAIN,
  },
  sign_in_refused: {
    title: 'This app did not let you sign in',
    explanation: 'The app refused this sign-in. The reason it gave is below.',
    action: TRY_AGAIN,
    showDetail: true,
  },
  coordination_unavailable: {
    title: 'The app is briefly unavailable',
    explanation: 'The app cannot reach the store its instances share right now. Please try again in a moment.',
    action: TRY_AGAIN,
  },
  not_found: {
    title: 'Not found in Egnyte',
    explanation: 'Egnyte has no file, folder or user at that address, or it was moved or deleted.',
    action: { href: '/profile', label: 'Back to your profile' },
  },
  permission_denied: {
    title: 'Egnyte refused access',
    explanation: 'Your Egnyte account is not allowed to see this. Ask your Egnyte administrator for access.',
    action: { href: '/profile', label: 'Back to your profile' },
  },
  invalid_config: {
    title: 'This app is misconfigured',
    explanation: 'The app\'s Egnyte settings are wrong, so signing in cannot work. The app\'s developer needs to fix its configuration.',
  },
};

/** Codes of a callback that does not match a sign-in started here (replayed, expired, lost). */
const LOST_SIGN_IN: ReadonlySet<Code> = new Set(['state_missing', 'state_mismatch', 'session_missing']);

/** What the page knows about the request beyond the error. */
export interface ErrorContext {
  /** The signed-in user's name, when the browser is signed in. */
  signedInAs?: string;
  /** The domain the user typed, on the login route. */
  typedDomain?: string;
  /** The login's `returnTo`. */
  returnTo?: string;
}

/**
 * `detail` without the sentences `explanation` already says (the package's messages end with
 * the same advice the page gives), so the page does not say one thing twice.
 */
export function withoutRepeats(detail: string, explanation: string): string {
  const said = explanation.toLowerCase();
  return detail
    .split(/(?<=[.!?])\s+/)
    .filter((sentence) => !said.includes(sentence.trim().replace(/[.!?]$/, '').toLowerCase()))
    .join(' ');
}

/** The friendly view of an EgnyteAuthError, given what else is known about the request. */
export function egnyteErrorView(err: EgnyteAuthError, context: ErrorContext = {}): ErrorView {
  if (LOST_SIGN_IN.has(err.code) && context.signedInAs) {
    // A replayed or stale callback while signed in: nothing was lost, the answer was just ignored.
    return {
      title: 'You are already signed in',
      explanation: `This answer from Egnyte's sign-in was already used or belongs to an older sign-in, so it was ignored. You are still signed in as ${context.signedInAs}.`,
      status: err.status,
      code: err.code,
      action: { href: '/profile', label: 'Go to your profile' },
    };
  }
  const base = VIEWS[err.code] ?? {
    title: 'Something went wrong while signing in',
    explanation: 'Please try again.',
    action: TRY_AGAIN,
    showDetail: true,
  };
  const view: ErrorView = { title: base.title, explanation: base.explanation, status: err.status, code: err.code };
  if (base.action) view.action = base.action;
  if (base.showDetail) view.detail = withoutRepeats(err.message, base.explanation);
  if ((err.code === 'invalid_domain' || err.code === 'domain_not_allowed') && context.typedDomain !== undefined) {
    view.domainForm = { typed: context.typedDomain, returnTo: context.returnTo ?? '/profile' };
  }
  if (err.retryAfter !== undefined) view.retryAfter = err.retryAfter;
  if (err.code === 'invalid_config' && err.problems) view.list = err.problems;
  return view;
}

/** True when the client explicitly prefers HTML over JSON (browsers); curl and fetch() get JSON. */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}

/**
 * The demo's last error handler. `pageContext` tells the page frame about the app.
 */
export function demoErrorHandler(pageContext: (req: Request) => PageContext): ErrorRequestHandler {
  const packageHandler = egnyteErrorHandler();
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    res.set('Cache-Control', 'no-store');
    if (err instanceof EgnyteAuthError) {
      if (!wantsHtml(req)) {
        packageHandler(err, req, res, next);
        return;
      }
      const ctx = pageContext(req);
      const view = egnyteErrorView(err, {
        ...(ctx.signedInAs ? { signedInAs: ctx.signedInAs } : {}),
        ...(typeof req.query['domain'] === 'string' ? { typedDomain: req.query['domain'].slice(0, 200) } : {}),
        ...(typeof req.query['returnTo'] === 'string' ? { returnTo: req.query['returnTo'].slice(0, 500) } : {}),
      });
      if (err.retryAfter !== undefined) res.set('Retry-After', String(Math.max(0, Math.ceil(err.retryAfter))));
      res.status(view.status).type('html').send(errorPage(ctx, view));
      return;
    }
    // Anything else: log it here, show nothing of it to the client.
    const status = typeof (err as { status?: unknown })?.status === 'number' && (err as { status: number }).status >= 400 && (err as { status: number }).status < 600
      ? (err as { status: number }).status
      : 500;
    if (status >= 500) console.error('[demo] unexpected error:', err instanceof Error ? err.message : err);
    const message = status >= 500 ? 'Something went wrong on our side.' : 'The request could not be handled.';
    if (!wantsHtml(req)) {
      res.status(status).json({ error: status >= 500 ? 'internal_error' : 'bad_request', message });
      return;
    }
    res.status(status).type('html').send(errorPage(pageContext(req), {
      status,
      title: status >= 500 ? 'Something went wrong' : 'That request could not be handled',
      explanation: `${message} Please try again.`,
      code: 'internal_error',
    }));
  };
}
