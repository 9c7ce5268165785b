/**
 * Where a browser may be sent after login or logout: only a path on this site. Anything
 * that could leave it (other schemes, `//host`, `/\host`, encoded or double-encoded forms,
 * control characters, very long values) falls back.
 */

const MAX_LENGTH = 2048;
const PROBE_ORIGIN = 'http://return-to.invalid';

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const HASH = 0x23;

// Characters the URL parser copies as they are into a path, a query and a fragment alike.
// Deliberately narrow ("'" is kept in a path but encoded in a query): any other character
// only costs a parse.
const VERBATIM = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/') VERBATIM[c.charCodeAt(0)] = 1;

// What one scan of a value shows.
const REFUSED = 0;
/** The URL parser would return it unchanged, so it is its own normalised form. */
const CLEAN = 1;
/** Has a "%": its decoded forms must pass the checks too (without one, decoding changes nothing). */
const ENCODED = 2;
/** Only the URL parser knows its normalised form. */
const PARSE = 3;

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

/** "." and ".." make the parser rewrite the path, and can collapse it into "//host". */
function isDotSegment(value: string, start: number, end: number): boolean {
  const length = end - start;
  return (length === 1 || length === 2) && value.charCodeAt(start) === DOT && value.charCodeAt(end - 1) === DOT;
}

/**
 * The checks on `value` itself, in one pass over its characters: only printable ASCII
 * (anything else must arrive percent-encoded), no "\", one leading "/". For values it lets
 * through, whether the parser would keep them as they are.
 */
function scan(value: string): number {
  if (value.charCodeAt(0) !== SLASH || value.charCodeAt(1) === SLASH) return REFUSED;
  const length = value.length;
  let clean = true;
  let encoded = false;
  let inPath = true;
  let inFragment = false;
  let segmentStart = 1;
  for (let i = 1; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === BACKSLASH) return REFUSED;
    if (c === PERCENT) encoded = true;
    else if (!clean) continue;
    else if (c === SLASH) {
      if (inPath && isDotSegment(value, segmentStart, i)) clean = false;
      segmentStart = i + 1;
    } else if ((c === QUESTION && inPath) || (c === HASH && !inFragment)) {
      if (inPath && isDotSegment(value, segmentStart, i)) clean = false;
      inPath = false;
      inFragment = c === HASH;
      // The parser drops an empty query or fragment ("/a?" -> "/a").
      if (i + 1 === length || value.charCodeAt(i + 1) === HASH) clean = false;
    } else if (VERBATIM[c] !== 1 && c !== QUESTION) clean = false;
  }
  if (clean && inPath && isDotSegment(value, segmentStart, length)) clean = false;
  return encoded ? ENCODED : clean ? CLEAN : PARSE;
}

/** One pass of the checks: the normalised path, or `undefined` when `value` could leave the site. */
function sanitizeOnce(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_LENGTH) return undefined;
  const shape = scan(value);
  // Nothing for the parser to change, and a single leading "/" keeps the origin.
  if (shape === CLEAN) return value;
  if (shape === REFUSED) return undefined;
  if (shape === ENCODED) {
    const decoded = decodeLayers(value);
    if (decoded === undefined || leavesSite(decoded)) return undefined;
  }
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
