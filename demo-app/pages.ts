/**
 * The demo's HTML. Every value is escaped with {@link escapeHtml}; there are no inline
 * scripts or styles (the Content-Security-Policy forbids them), only `/styles.css`.
 */
import type { EgnyteAuthErrorCode, EgnyteUser } from 'express-egnyte-auth';
import { sharedFolderCard } from './files.js';
import type { SharedFolderView } from './files.js';
import { escapeHtml } from './html.js';

export { escapeHtml } from './html.js';
export { STYLESHEET } from './styles.js';

/** What every page needs to know about the running demo. */
export interface PageContext {
  mode: 'emulator' | 'real';
  /** The signed-in user's display name, when someone is signed in. */
  signedInAs?: string;
  /** Which instance served the page (`2 of 3`), when several serve the demo. */
  instance?: string;
}

function modeBadge(mode: PageContext['mode']): string {
  return mode === 'emulator'
    ? '<span class="badge emulator" title="Sign-in runs against a local Egnyte emulator">Local emulator</span>'
    : '<span class="badge real">Real Egnyte</span>';
}

/** The common page frame. `body` must already be escaped HTML. */
export function layout(title: string, body: string, ctx: PageContext): string {
  const account = ctx.signedInAs
    ? `<span class="muted">Signed in as ${escapeHtml(ctx.signedInAs)}</span> ${signOutForm('link')}`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Egnyte sign-in demo</title>
<link rel="stylesheet" href="/styles.css">
</head>
<body>
<header><div class="bar"><a class="brand" href="/">Egnyte sign-in demo</a> ${modeBadge(ctx.mode)}${instanceBadge(ctx)} ${account}</div></header>
<main>
${body}
</main>
<footer>express-egnyte-auth demo · <a href="/">Home</a> · <a href="/profile">Profile</a> · <a href="/api/me">/api/me</a></footer>
</body>
</html>
`;
}

/** Several instances serve the demo: say which one served this page. */
function instanceBadge(ctx: PageContext): string {
  if (ctx.instance === undefined) return '';
  return ` <span class="badge instance" title="Several instances share this sign-in through Redis; reload to land on another">Served by instance ${escapeHtml(ctx.instance)}</span>`;
}

function signOutForm(style: 'link' | 'button'): string {
  return `<form class="inline" method="post" action="/egnyte/logout"><button type="submit" class="${style === 'link' ? 'link' : 'secondary'}">Sign out</button></form>`;
}

/** What the home page shows. */
export interface HomeOptions {
  /** The fixed Egnyte domain, when the app is configured with one. */
  fixedDomain?: string;
  /** The default region. */
  region: 'us' | 'eu';
  /** The app's public URL, for the curl example. */
  baseUrl: string;
  /** Domains of the emulator's seeded users, to hint what to type. */
  emulatorDomains?: string[];
  /** Just signed out: confirm it. */
  signedOut?: boolean;
}

/** The home page: sign-in forms (or the signed-in user), the mode, and the API example. */
export function homePage(ctx: PageContext, opts: HomeOptions): string {
  const modeText = ctx.mode === 'emulator'
    ? `<p class="note">This demo runs against a <strong>local Egnyte emulator</strong>: nothing is sent to Egnyte.
Try the domain ${(opts.emulatorDomains ?? []).map((d) => `<code>${escapeHtml(d)}</code>`).join(' or ')}.
To use real Egnyte, set <code>EGNYTE_CLIENT_ID</code>, <code>EGNYTE_CLIENT_SECRET</code>, <code>BASE_URL</code>,
<code>EGNYTE_REGION</code> and <code>SESSION_SECRET</code> and restart.</p>`
    : '<p>This demo signs you in with your <strong>real Egnyte</strong> account.</p>';

  const signIn = opts.fixedDomain
    ? `<form method="get" action="/egnyte/login">
<input type="hidden" name="returnTo" value="/profile">
<p>This app signs in to <strong>${escapeHtml(opts.fixedDomain)}</strong>.</p>
<button type="submit">Sign in with Egnyte</button>
</form>`
    : `<form method="get" action="/egnyte/login">
<input type="hidden" name="returnTo" value="/profile">
<fieldset>
<legend>Egnyte region</legend>
<label><input type="radio" name="region" value="us"${opts.region === 'us' ? ' checked' : ''}> US</label>
<label><input type="radio" name="region" value="eu"${opts.region === 'eu' ? ' checked' : ''}> EU</label>
</fieldset>
<p class="muted">Egnyte asks for your company's Egnyte domain, then for your consent.</p>
<button type="submit">Sign in with Egnyte</button>
</form>
</div>
<div class="card">
<h2>Already know your domain?</h2>
<form method="get" action="/egnyte/login">
<input type="hidden" name="returnTo" value="/profile">
<div class="row">
<label for="direct-domain">Egnyte domain</label>
<input type="text" id="direct-domain" name="domain" required placeholder="acme or acme.egnyte.com" autocomplete="organization" spellcheck="false" autocapitalize="none">
</div>
<button type="submit" class="secondary">Sign in to this domain</button>
</form>`;

  const curl = `curl -i ${opts.baseUrl}/api/me`;
  const signedOut = opts.signedOut && !ctx.signedInAs ? '<p class="note ok" role="status">You are signed out.</p>\n' : '';
  const body = `<h1>Sign in with Egnyte</h1>
${signedOut}${modeText}
<div class="card">
<p>This app uses <code>express-egnyte-auth</code> to let you sign in with your Egnyte account (OAuth2).
After signing in you see your profile and the files in your <code>/Shared</code> folder, read from Egnyte's APIs with your sign-in.</p>
${ctx.signedInAs ? `<p>You are signed in as <strong>${escapeHtml(ctx.signedInAs)}</strong>. <a class="button" href="/profile">View your profile</a> ${signOutForm('button')}</p></div><div class="card">` : ''}
${signIn}
</div>
<div class="card">
<h2>For API clients</h2>
<p><a href="/api/me">/api/me</a> returns the signed-in user as JSON. A browser that is signed in gets the JSON;
a signed-out browser is sent to sign in. An API client without a session gets <code>401</code> with
<code>{"error":"login_required"}</code> instead of a redirect:</p>
<pre>${escapeHtml(curl)}</pre>
</div>`;
  return layout('Home', body, ctx);
}

/** Fields read from the Users API (`GET /pubapi/v2/users/{id}`). */
export interface UsersApiDetails {
  formattedName?: string;
  email?: string;
  userType?: string;
  role?: string;
  active?: boolean;
}

/** What the profile page shows. */
export interface ProfileView {
  user: EgnyteUser;
  domain: string;
  stale: boolean;
  userFetchedAt: number;
  details?: UsersApiDetails;
  /** Why the Users API details are missing. */
  detailsNote?: string;
  /** The user's /Shared folder, or why it is not listed. */
  shared?: SharedFolderView;
}

/** The profile page: the user from userinfo and the Users API, and their /Shared files. */
export function profilePage(ctx: PageContext, view: ProfileView): string {
  const { user, details } = view;
  const name = details?.formattedName || `${user.firstName} ${user.lastName}`.trim() || user.username;
  const rows: Array<[string, string | undefined]> = [
    ['Name', name],
    ['Username', user.username],
    ['Email', details?.email ?? user.email],
    ['Account type', details?.userType ?? user.userType],
    ['Role', details?.role],
    ['Domain', view.domain],
    ['Egnyte user id', String(user.id)],
    ['Active', details?.active === undefined ? undefined : details.active ? 'yes' : 'no'],
  ];
  const dl = rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('\n');
  const notes = [
    view.stale ? `<p class="note">Egnyte could not be reached just now; this is your profile as of ${escapeHtml(new Date(view.userFetchedAt).toISOString())}.</p>` : '',
    view.detailsNote ? `<p class="note">${escapeHtml(view.detailsNote)}</p>` : '',
  ].join('');
  const body = `<h1>${escapeHtml(name)}</h1>
${notes}
<div class="card">
<h2>Your Egnyte profile</h2>
<dl>
${dl}
</dl>
</div>
${view.shared ? sharedFolderCard(view.shared, view.domain) : ''}
<div class="card">
<p>The same data for programs: <a href="/api/me">/api/me</a> (JSON).</p>
${signOutForm('button')}
</div>`;
  return layout('Profile', body, ctx);
}

/** A friendly explanation of one error. */
export interface ErrorView {
  status: number;
  title: string;
  explanation: string;
  /** The error's own message, shown as detail (escaped). */
  detail?: string;
  /** Extra lines, e.g. config problems. */
  list?: readonly string[];
  code?: EgnyteAuthErrorCode | 'not_found' | 'internal_error';
  action?: { href: string; label: string };
  retryAfter?: number;
  /** Offer the domain form again, with what the user typed. */
  domainForm?: { typed: string; returnTo: string };
}

/** The "sign in to this domain" form, pre-filled. */
function domainForm(form: { typed: string; returnTo: string }, button: string): string {
  return `<form method="get" action="/egnyte/login">
<input type="hidden" name="returnTo" value="${escapeHtml(form.returnTo)}">
<div class="row">
<label for="retry-domain">Egnyte domain</label>
<input type="text" id="retry-domain" name="domain" value="${escapeHtml(form.typed)}" required placeholder="acme or acme.egnyte.com" autocomplete="organization" spellcheck="false" autocapitalize="none">
</div>
<p class="actions">${button} <a href="/">Home</a></p>
</form>`;
}

/** A friendly error page: what happened, what to do next, and the error code. */
export function errorPage(ctx: PageContext, view: ErrorView): string {
  const retry = view.retryAfter !== undefined
    ? `<p><strong>Try again in ${escapeHtml(view.retryAfter)} second${view.retryAfter === 1 ? '' : 's'}.</strong></p>`
    : '';
  const list = view.list && view.list.length > 0 ? `<ul>${view.list.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '';
  const detail = view.detail ? `<p class="muted">${escapeHtml(view.detail)}</p>` : '';
  const action = view.domainForm
    ? domainForm(view.domainForm, '<button type="submit">Try again</button>')
    : view.action
      ? `<p class="actions"><a class="button" href="${escapeHtml(view.action.href)}">${escapeHtml(view.action.label)}</a> <a href="/">Home</a></p>`
      : '<p class="actions"><a class="button" href="/">Home</a></p>';
  const body = `<h1>${escapeHtml(view.title)}</h1>
<div class="card">
<p>${escapeHtml(view.explanation)}</p>
${retry}${detail}${list}
${action}
${view.code ? `<p class="error-code">Error code: ${escapeHtml(view.code)} (HTTP ${escapeHtml(view.status)})</p>` : ''}
</div>`;
  return layout(view.title, body, ctx);
}
