/**
 * Where a browser may be sent after login or logout: only a path on this site. Anything
 * that could leave it (other schemes, `//host`, `/\host`, encoded or double-encoded forms,
 * control characters, very long values) falls back.
 */

const MAX_LENGTH = 2048;
const PROBE_ORIGIN = 'http://return-to.invalid';

/** Decodes up to three layers of percent-encoding; `undefined` when the value is malformed. */
function decodeLayers(value: string): string | undefined {
  let current = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

function leavesSite(path: string): boolean {
  // Browsers treat "\" as "/" and drop tabs and newlines, so "/\evil.com" and "/\t/evil.com"
  // are protocol-relative URLs.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  return /^[/\\]{2}/.test(path) || path.includes('\\') || /[\x00-\x1f\x7f]/.test(path) || !path.startsWith('/');
}

/** One pass of the checks: the normalised path, or `undefined` when `value` could leave the site. */
function sanitizeOnce(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_LENGTH) return undefined;
  // Only printable ASCII: anything else must arrive percent-encoded.
  if (!/^[\x21-\x7e]+$/.test(value) || leavesSite(value)) return undefined;
  const decoded = decodeLayers(value);
  if (decoded === undefined || leavesSite(decoded)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value, PROBE_ORIGIN);
  } catch {
    return undefined;
  }
  if (parsed.origin !== PROBE_ORIGIN) return undefined;
  const result = parsed.pathname + parsed.search + parsed.hash;
  // Dot segments can collapse into "//host" ("/.//evil.com" -> "//evil.com").
  return leavesSite(result) ? undefined : result;
}

/**
 * Returns `value` as a same-site path (`/path?query#hash`, normalised), or `fallback` when it
 * is missing or could lead off the site. Pure and idempotent.
 */
export function sanitizeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string') return fallback;
  const once = sanitizeOnce(value);
  if (once === undefined) return fallback;
  if (once === value) return once;
  // Normalising can remove what hid an encoded "/" from the checks: "/../%252f" becomes
  // "/%252f", which decodes to "//". The result must pass them as it is, or it is refused,
  // so sanitising a sanitised value never changes it.
  return sanitizeOnce(once) === once ? once : fallback;
}
