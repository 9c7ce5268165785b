/**
 * The emulator's HTML pages: the Enhanced Auth Service domain prompt, the consent page and
 * error pages. Plain HTML with inline CSS, no scripts; every echoed value is escaped.
 */
import { escapeHtml } from '../web/html.js';
import type { EmulatorUser } from './types.js';

const STYLE = `
  *,*::before,*::after{box-sizing:border-box}
  body{margin:0;background:#f3f5f7;color:#1f2933;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
  .banner{background:#fff4ce;color:#5c4400;border-bottom:1px solid #f0d98c;padding:8px 16px;font-size:14px;text-align:center}
  main{max-width:440px;margin:32px auto;padding:0 16px}
  .card{background:#fff;border:1px solid #dde3ea;border-radius:12px;padding:28px 24px;box-shadow:0 2px 10px rgba(15,35,60,.06)}
  .brand{display:flex;align-items:center;gap:10px;margin-bottom:18px;font-weight:600;font-size:18px;color:#0a7a5a}
  .logo{display:inline-flex;width:34px;height:34px;border-radius:8px;background:#0a7a5a;color:#fff;align-items:center;justify-content:center;font-weight:700}
  .brand small{display:block;font-weight:400;font-size:12px;color:#52606d}
  h1{font-size:22px;margin:0 0 8px}
  p{margin:0 0 14px}
  label{display:block;font-weight:600;margin:16px 0 6px}
  input[type=text],select{width:100%;padding:11px 12px;font:inherit;border:1px solid #9aa5b1;border-radius:8px;background:#fff}
  input[type=text]:focus,select:focus{outline:3px solid #9fdcc6;border-color:#0a7a5a}
  .hint{font-size:14px;color:#52606d;margin-top:6px}
  .error{background:#fdecec;color:#8a1c1c;border:1px solid #f5b5b5;border-radius:8px;padding:10px 12px;margin:12px 0}
  .actions{display:flex;gap:12px;margin-top:22px}
  button{flex:1;padding:12px 16px;font:inherit;font-weight:600;border-radius:8px;border:1px solid #0a7a5a;background:#0a7a5a;color:#fff;cursor:pointer}
  button.secondary{background:#fff;color:#1f2933;border-color:#9aa5b1}
  button:focus-visible{outline:3px solid #9fdcc6;outline-offset:2px}
  ul.scopes{margin:0 0 14px;padding-left:20px}
  code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:#eef1f4;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
  footer{text-align:center;font-size:12px;color:#7b8794;margin:18px 0}
`;

/** Wraps page content in the emulator's layout. `title`, `content` and `head` must be safe HTML. */
export function layout(title: string, content: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">${head}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · Egnyte (local emulator)</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" role="note"><strong>Local emulator</strong> — this is not the real Egnyte. For development and tests only; no real accounts are involved.</div>
<main>
<div class="card">
<div class="brand"><span class="logo" aria-hidden="true">E</span><span>Egnyte<small>local emulator</small></span></div>
${content}
</div>
<footer>express-egnyte-auth · Egnyte emulator</footer>
</main>
</body>
</html>
`;
}

function hiddenInputs(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/** What the Enhanced Auth Service domain prompt shows. */
export interface DomainPromptPage {
  /** URL the form submits to (GET). */
  action: string;
  /** The original query (without `domain`), carried as hidden inputs. */
  params: Record<string, string>;
  /** What the user typed, echoed back into the field. */
  typed?: string;
  /** Error text to show. */
  error?: string;
  /** Domains known to the emulator, shown as a hint. */
  knownDomains: readonly string[];
}

/** The Enhanced Auth Service page asking for the user's Egnyte domain. */
export function domainPromptPage(page: DomainPromptPage): string {
  const error = page.error
    ? `<p class="error" id="domain-error" role="alert">${escapeHtml(page.error)}</p>`
    : '';
  const known = page.knownDomains.length
    ? `<p class="hint">Domains in this emulator: ${page.knownDomains.map((d) => `<code>${escapeHtml(d)}</code>`).join(', ')}</p>`
    : '';
  return layout(
    'Sign in',
    `<h1>Sign in to Egnyte</h1>
<p>Enter your company's Egnyte domain to continue.</p>
${error}
<form method="get" action="${escapeHtml(page.action)}">
${hiddenInputs(page.params)}
<label for="domain">Egnyte domain</label>
<input type="text" id="domain" name="domain" value="${escapeHtml(page.typed ?? '')}" placeholder="yourcompany.egnyte.com" autocomplete="off" autocapitalize="none" spellcheck="false" required${page.error ? ' aria-invalid="true" aria-describedby="domain-error"' : ''}>
<p class="hint">For example <code>acme</code> or <code>acme.egnyte.com</code>.</p>
${known}
<div class="actions"><button type="submit">Continue</button></div>
</form>`,
  );
}

/** What the consent page shows. */
export interface ConsentPage {
  /** URL the form POSTs to. */
  action: string;
  /** The Egnyte domain being signed in to. */
  host: string;
  /** The asking API key. */
  clientId: string;
  /** Where the browser goes back to. */
  redirectUri: string;
  /** Requested scopes (none: all the key allows). */
  scopes: readonly string[];
  /** Users that may be picked (active users of the domain). */
  users: readonly EmulatorUser[];
  /** The authorization request, carried as hidden inputs. */
  params: Record<string, string>;
}

/** The page asking the user to pick who they are and to allow or deny access. */
export function consentPage(page: ConsentPage): string {
  const scopes = page.scopes.length
    ? `<ul class="scopes">${page.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
    : '<ul class="scopes"><li>All APIs the key allows</li></ul>';
  const options = page.users
    .map(
      (u) =>
        `<option value="${u.id}">${escapeHtml(`${u.firstName} ${u.lastName} (${u.username}) · ${u.userType ?? 'standard'}`)}</option>`,
    )
    .join('\n');
  return layout(
    'Allow access',
    `<h1>Allow access to your Egnyte account?</h1>
<p>The application <code>${escapeHtml(page.clientId)}</code> wants to access <strong>${escapeHtml(page.host)}</strong> on your behalf.</p>
<p>It asks for:</p>
${scopes}
<p class="hint">You will be sent back to <code>${escapeHtml(page.redirectUri)}</code>.</p>
<form method="post" action="${escapeHtml(page.action)}">
${hiddenInputs(page.params)}
<label for="user">Sign in as</label>
<select id="user" name="user">
${options}
</select>
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</div>
</form>`,
  );
}

/**
 * What `autoApprove` shows on a domain's own origin: a page that sends the browser on to the
 * application by itself (a meta refresh: the pages allow no scripts), as a real domain's
 * sign-in page does once the user is through. Leaving a page, unlike a 302, makes the browser
 * send that page's origin as the Referer (unless its policy says otherwise).
 */
export function autoContinuePage(target: string, host: string): string {
  return layout(
    'Signing in',
    `<h1>Signed in to ${escapeHtml(host)}</h1>
<p>Taking you back to the application…</p>
<p class="hint"><a href="${escapeHtml(target)}">Continue</a> if nothing happens.</p>`,
    `\n<meta http-equiv="refresh" content="0; url=${escapeHtml(target)}">`,
  );
}

/** A page explaining why the request cannot go on. */
export function errorPage(title: string, message: string): string {
  return layout(
    escapeHtml(title),
    `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p class="hint">Close this page and start signing in again from the application.</p>`,
  );
}

/** The emulator's home page: which domains exist and where the Enhanced Auth Service is. */
export function indexPage(knownDomains: readonly string[], enhancedAuthUrl: string): string {
  return layout(
    'Emulator',
    `<h1>Egnyte emulator</h1>
<p>This server emulates Egnyte's sign-in and user APIs for development and tests.</p>
<p>Domains: ${knownDomains.map((d) => `<code>${escapeHtml(d)}</code>`).join(', ')}</p>
<p>Enhanced Auth Service: <code>${escapeHtml(enhancedAuthUrl)}</code></p>`,
  );
}
