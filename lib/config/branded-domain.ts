/**
 * Telling a company's branded domain (`files.acme.com`, its own name for its Egnyte) from a
 * typo. Only `{name}.egnyte.com` hosts serve Egnyte's API, and fetching a host a user typed to
 * learn its Egnyte name would be a server-side request to an arbitrary host; Egnyte's Enhanced
 * Auth Service resolves branded domains itself (EGNYTE.md, "Changes seen in 2025-26"). So a
 * typed host that is well formed but not an Egnyte host is offered that service instead of a
 * dead end. Pure: nothing here makes a request.
 */

/** Hosts under these are Egnyte's own: a wrong one there is a typo, never a branded domain. */
const EGNYTE_OWN_SUFFIXES = ['egnyte.com', 'qa-egnyte.com', 'egnytegov.com'];
/** Two or more DNS labels ending in an alphabetic top-level domain: no IP address, no port, no user. */
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The host of `input` (as typed: a host or an http(s) URL) when it may be a company's branded
 * domain for Egnyte, else undefined: hosts under the allowed suffixes or Egnyte's own are
 * Egnyte hosts (valid or mistyped), a host with an Egnyte host inside it is a disguise, and anything
 * that is not a plain host name is not a domain.
 */
export function brandedDomainOf(input: string, hostSuffixes: readonly string[]): string | undefined {
  let text = input.trim().toLowerCase();
  const scheme = /^https?:\/\//.exec(text);
  if (scheme) text = text.slice(scheme[0].length);
  const end = text.search(/[/?#]/);
  const host = (end === -1 ? text : text.slice(0, end)).replace(/\.$/, '');
  if (host.length > 253 || !HOST.test(host)) return undefined;
  for (const suffix of [...hostSuffixes, ...EGNYTE_OWN_SUFFIXES]) {
    // An Egnyte host, or one dressed as one (acme.egnyte.com.evil.com): refused as typed.
    if (host === suffix || host.endsWith(`.${suffix}`) || host.startsWith(`${suffix}.`) || host.includes(`.${suffix}.`)) return undefined;
  }
  return host;
}
