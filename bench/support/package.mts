/**
 * The package as an app that installs it runs it: the build in dist/ (`npm run bench` builds
 * it first), typed from lib/. passport and passport-oauth2 are measured as installed too; the
 * sources through tsx carry its per-function helpers, which an install never runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Auth from '../../lib/index.js';
import type * as Redis from '../../lib/redis.js';
import type * as Testing from '../../lib/testing/index.js';

const dist = new URL('../../dist/', import.meta.url);
if (!existsSync(fileURLToPath(new URL('index.js', dist)))) throw new Error('the bench runs the built package: npm run build first (npm run bench does)');

/** `express-egnyte-auth`. */
export const auth = (await import(new URL('index.js', dist).href)) as typeof Auth;
/** `express-egnyte-auth/redis`. */
export const redis = (await import(new URL('redis.js', dist).href)) as typeof Redis;
/** `express-egnyte-auth/testing`. */
export const testing = (await import(new URL('testing/index.js', dist).href)) as typeof Testing;
