/**
 * Checks of single option values, each adding what is wrong to a shared {@link Problems}
 * list instead of throwing, so `resolveConfig` reports every problem at once. Pure.
 */
import type { Request } from 'express';
import { EgnyteAuthError } from '../errors/errors.js';
import type { EgnyteRegion } from '../types.js';
import { DEFAULT_HOST_SUFFIXES, isValidHostSuffix, normalizeEgnyteDomain } from './domain.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** True for a string with more than white space. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** The value as a URL, or `undefined`. */
export function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Every problem found while validating, in order. */
export class Problems {
  readonly list: string[] = [];
  add(message: string): void {
    this.list.push(message);
  }
}

/** `baseUrl`: an absolute http(s) URL (https but on loopback), no credentials, query or fragment; answers it without a trailing slash. */
export function checkBaseUrl(value: unknown, problems: Problems): string | undefined {
  const url = parseUrl(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    problems.add('baseUrl must be the absolute http(s) URL where users reach your app, e.g. "https://app.example.com".');
    return undefined;
  }
  if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
    problems.add(`baseUrl must use https (Egnyte only redirects to https), except on localhost; got "${url.origin}".`);
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.add('baseUrl must not contain credentials, a query or a fragment.');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** `scope`: an array or a space-separated string of scope names; answers them space-separated. */
export function checkScope(value: unknown, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  const tokens = typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : Array.isArray(value) ? value : undefined;
  if (!tokens || !tokens.every((t) => typeof t === 'string' && SCOPE_TOKEN.test(t))) {
    problems.add('scope must be an array of scope names or a space-separated string, e.g. ["Egnyte.user", "Egnyte.filesystem"].');
    return undefined;
  }
  return tokens.length > 0 ? (tokens as string[]).join(' ') : undefined;
}

/** `region`: `us`, `eu` or a function of the request whose answer is checked on each call. */
export function checkRegion(value: unknown, problems: Problems): (req: Request) => EgnyteRegion {
  if (value === undefined) return () => 'us';
  if (value === 'us' || value === 'eu') return () => value;
  if (typeof value === 'function') {
    const choose = value as (req: Request) => unknown;
    return (req) => {
      const region = choose(req);
      if (region === 'us' || region === 'eu') return region;
      throw new EgnyteAuthError('invalid_config', `The region function returned ${JSON.stringify(String(region).slice(0, 40))}; it must return "us" or "eu".`);
    };
  }
  problems.add(`region must be "us", "eu" or a function of the request; got ${JSON.stringify(value)}.`);
  return () => 'us';
}

/** `hostSuffixes`: a non-empty list of valid suffixes, lower-cased. */
export function checkHostSuffixes(value: unknown, problems: Problems): readonly string[] {
  if (value === undefined) return DEFAULT_HOST_SUFFIXES;
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => typeof s === 'string' && isValidHostSuffix(s.toLowerCase()))) {
    problems.add('hostSuffixes must be a non-empty array of host suffixes, e.g. ["egnyte.com", "qa-egnyte.com"].');
    return DEFAULT_HOST_SUFFIXES;
  }
  return Object.freeze(value.map((s: string) => s.toLowerCase()));
}

/** A list of Egnyte domains in any form users type, normalised; each bad one is a problem. */
export function checkDomainList(name: string, values: unknown, hostSuffixes: readonly string[], problems: Problems): string[] {
  const list = typeof values === 'string' ? [values] : (values as unknown[]);
  const hosts: string[] = [];
  for (const value of list) {
    try {
      hosts.push(normalizeEgnyteDomain(String(value), { hostSuffixes }));
    } catch (err) {
      problems.add(`${name}: ${(err as Error).message}`);
    }
  }
  return hosts;
}

/** `allowedDomains`: a list or a predicate, as one predicate of the normalised host. */
export function checkAllowed(value: unknown, hostSuffixes: readonly string[], problems: Problems): (host: string) => boolean {
  if (value === undefined) return () => true;
  if (typeof value === 'function') {
    const predicate = value as (host: string) => boolean;
    return (host) => predicate(host) === true;
  }
  if (!Array.isArray(value)) {
    problems.add('allowedDomains must be an array of Egnyte domains or a predicate function.');
    return () => false;
  }
  const allowed = new Set(checkDomainList('allowedDomains', value, hostSuffixes, problems));
  return (host) => allowed.has(host);
}

/** A finite number of at least `min`, or the fallback. */
export function checkNumber(name: string, value: unknown, fallback: number, min: number, problems: Problems): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    problems.add(`${name} must be a number >= ${min}; got ${JSON.stringify(value)}.`);
    return fallback;
  }
  return value;
}

/** A positive number of seconds, as milliseconds; `undefined` when not given. */
export function checkSeconds(name: string, value: unknown, problems: Problems): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    problems.add(`${name} must be a positive number of seconds; got ${JSON.stringify(value)}.`);
    return undefined;
  }
  return value * 1000;
}

/** The fewest characters a key of `tokenKeys` may have. */
export const MIN_TOKEN_KEY_LENGTH = 32;

/**
 * `tokenKeys`: a non-empty list of distinct secrets, each at least 32 characters with no white
 * space around it (a stray newline from a file), or the `clientSecret` itself (which seals by
 * default: listing it behind a new key lets logins sealed with it be read). Problems name the
 * position and the length, never a key.
 */
export function checkTokenKeys(value: unknown, clientSecret: unknown, problems: Problems): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problems.add('tokenKeys must be a non-empty array of secrets, the newest first (it seals; every one opens), e.g. [process.env.EGNYTE_TOKEN_KEY].');
    return undefined;
  }
  let valid = true;
  const seen = new Map<string, number>();
  value.forEach((key: unknown, i) => {
    const name = `tokenKeys[${i}]`;
    if (typeof key !== 'string') {
      problems.add(`${name} must be a string; got ${key === undefined ? 'undefined (is the environment variable that holds it set?)' : typeof key}.`);
      valid = false;
      return;
    }
    if (key.trim() !== key) {
      problems.add(`${name} has white space at its start or end (a stray newline from a file?): remove it.`);
      valid = false;
    } else if (key.length < MIN_TOKEN_KEY_LENGTH && key !== clientSecret) {
      problems.add(`${name} is ${key.length} characters long; a key needs at least ${MIN_TOKEN_KEY_LENGTH} (e.g. from \`openssl rand -base64 32\`).`);
      valid = false;
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.add(`${name} repeats tokenKeys[${earlier}].`);
      valid = false;
    }
    seen.set(key, i);
  });
  return valid ? Object.freeze([...(value as string[])]) : undefined;
}
