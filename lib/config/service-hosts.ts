/**
 * Egnyte's own service hosts: `{label}.egnyte.com` names that Egnyte uses for itself (its sign-in
 * service, website, developer portal, status page, help and community sites) and that are
 * therefore never a customer's domain. A domain read from a request (the login's `domain`, the
 * callback's `domain` or Referer, the domain prompt) is untrusted input: without this list,
 * `/egnyte/callback?code=junk&state=S&domain=status` would make the app POST its client secret
 * to `https://status.egnyte.com/puboauth/token` (EGNYTE.md, "Security notes specific to Egnyte").
 */

/**
 * The labels refused as Egnyte domains, under every allowed host suffix. The two Enhanced Auth
 * Service hosts come first; the rest are names Egnyte serves its own sites on. The list is
 * deliberately short and certain: refusing a real customer's name would lock that customer out.
 */
export const EGNYTE_SERVICE_LABELS: readonly string[] = Object.freeze([
  'us-partner-integrations',
  'partner-integrations',
  'www',
  'api',
  'developers',
  'developer',
  'status',
  'helpdesk',
  'help',
  'support',
  'community',
  'partners',
  'go',
  'blog',
  'docs',
]);

const SERVICE_LABELS: ReadonlySet<string> = new Set(EGNYTE_SERVICE_LABELS);

/** True when `label` (one lower-case DNS label) is one of Egnyte's own service hosts. Pure. */
export function isEgnyteServiceLabel(label: string): boolean {
  return SERVICE_LABELS.has(label);
}
