/**
 * Injected failures: which request they hit, and the answers Egnyte (and its Mashery
 * gateway) give in each case.
 */
import type { ServerResponse } from 'node:http';
import { EMULATOR_ENDPOINT_NAMES } from './endpoint-names.js';
import { sendForbiddenRetryAfter, sendInvalidAccessToken, sendOverQpsPage, sendQuotaViolation, sendSpikeArrest } from './apigee.js';
import { send, sendJson } from './http.js';
import type { EmulatorEndpointName, EmulatorFault, EmulatorFaultKind } from './types.js';

/** Every fault kind, to reject a misspelt one from an untyped caller. */
const FAULT_KINDS: ReadonlySet<EmulatorFaultKind> = new Set<EmulatorFaultKind>([
  'developer_inactive',
  'developer_inactive_401',
  'key_domain_mismatch',
  'conflict_409',
  'over_qps',
  'over_rate',
  'too_many_requests',
  'spike_arrest',
  'quota_violation',
  'invalid_access_token',
  'over_qps_page',
  'forbidden_retry_after',
  'unauthorized',
  'server_error',
  'bad_gateway_html',
  'malformed_json',
  'invalid_grant',
  'no_access_token',
  'slow',
  'slow_answer',
  'hang',
  'reset',
]);

/**
 * Checks a fault handed to `EgnyteEmulator.fault()` from plain JavaScript, where the types
 * do not hold: an unknown name would otherwise never match and fail silently.
 *
 * @throws TypeError for an unknown endpoint or kind, or a negative delay or retry-after.
 */
export function validateFault(f: EmulatorFault): void {
  if (f.endpoint !== 'all' && !EMULATOR_ENDPOINT_NAMES.includes(f.endpoint)) {
    throw new TypeError(`fault: unknown endpoint ${String(f.endpoint)}`);
  }
  if (!FAULT_KINDS.has(f.kind)) throw new TypeError(`fault: unknown kind ${String(f.kind)}`);
  if (f.delayMs !== undefined && (!Number.isFinite(f.delayMs) || f.delayMs < 0)) throw new TypeError('fault: delayMs must be >= 0');
  if (f.retryAfter !== undefined && (!Number.isFinite(f.retryAfter) || f.retryAfter < 0)) {
    throw new TypeError('fault: retryAfter must be >= 0');
  }
}

/** An injected fault with its normalised domain and remaining count. */
interface ActiveFault {
  fault: Readonly<EmulatorFault>;
  domain?: string;
  remaining: number;
}

/** The list of injected faults, matched in the order they were added. */
export class FaultList {
  private faults: ActiveFault[] = [];

  /** Adds a fault; `domain` must already be normalised. */
  add(fault: EmulatorFault, domain: string | undefined): void {
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
      throw new TypeError(`EmulatorFault.times must be a positive integer, got ${String(fault.times)}`);
    }
    this.faults.push({
      fault: Object.freeze({ ...fault }),
      ...(domain !== undefined ? { domain } : {}),
      remaining: fault.times ?? Number.POSITIVE_INFINITY,
    });
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = [];
  }

  /** The first fault matching the request, counted down (and dropped when used up). */
  take(endpoint: EmulatorEndpointName, host: string | undefined): Readonly<EmulatorFault> | undefined {
    const index = this.faults.findIndex(
      (f) => (f.fault.endpoint === 'all' || f.fault.endpoint === endpoint) && (f.domain === undefined || f.domain === host),
    );
    const found = this.faults[index];
    if (!found) return undefined;
    found.remaining -= 1;
    if (found.remaining <= 0) this.faults.splice(index, 1);
    return found.fault;
  }
}

/** Kinds whose answer is not produced by {@link answerFault}. */
export type ControlFaultKind = Extract<EmulatorFaultKind, 'slow' | 'slow_answer' | 'hang' | 'reset'>;

/** True for the kinds that delay, hang or drop the request instead of answering. */
export function isControlFault(kind: EmulatorFaultKind): kind is ControlFaultKind {
  return kind === 'slow' || kind === 'slow_answer' || kind === 'hang' || kind === 'reset';
}

/** The `403 Developer Inactive` answer of Egnyte's gateway (missing or unknown token). */
export function sendDeveloperInactive(res: ServerResponse, status: 401 | 403 = 403): void {
  const headers: Record<string, string> = status === 403 ? { 'X-Mashery-Error-Code': 'ERR_403_DEVELOPER_INACTIVE' } : {};
  send(res, status, '<h1>Developer Inactive</h1>', 'text/html; charset=utf-8', headers);
}

/** The gateway's per-second throttling answer. */
export function sendOverQps(res: ServerResponse, retryAfter: number, extraHeaders: Record<string, string> = {}): void {
  send(res, 403, '<h1>Developer Over Qps</h1>', 'text/html; charset=utf-8', {
    ...extraHeaders,
    'X-Mashery-Error-Code': 'ERR_403_DEVELOPER_OVER_QPS',
    'Retry-After': String(retryAfter),
  });
}

/** The message Egnyte gives when an uncertified key is used on another domain. */
export const KEY_DOMAIN_MISMATCH_MESSAGE = 'Invalid Egnyte domain configured in app profile.';

/** Writes the answer of a fault that answers (every kind except slow, hang and reset). */
export function answerFault(res: ServerResponse, fault: Readonly<EmulatorFault>): void {
  const retryAfter = String(fault.retryAfter ?? 1);
  switch (fault.kind) {
    case 'developer_inactive':
      return sendDeveloperInactive(res, 403);
    case 'developer_inactive_401':
      return sendDeveloperInactive(res, 401);
    case 'key_domain_mismatch':
      return sendJson(res, 400, { errorMessage: KEY_DOMAIN_MISMATCH_MESSAGE });
    case 'conflict_409':
      return sendJson(res, 409, { errorMessage: 'Too many token requests. Try again later.' }, { 'Retry-After': retryAfter });
    case 'over_qps':
      return sendOverQps(res, fault.retryAfter ?? 1);
    case 'over_rate':
      return send(res, 403, '<h1>Developer Over Rate</h1>', 'text/html; charset=utf-8', {
        'X-Mashery-Error-Code': 'ERR_403_DEVELOPER_OVER_RATE',
        'Retry-After': retryAfter,
      });
    case 'too_many_requests':
      return sendJson(res, 429, { message: 'Too Many Requests' }, { 'Retry-After': retryAfter });
    case 'spike_arrest':
      return sendSpikeArrest(res, 429, fault.retryAfter ?? 1, 2);
    case 'quota_violation':
      return sendQuotaViolation(res, 429, fault.retryAfter ?? 1);
    case 'invalid_access_token':
      return sendInvalidAccessToken(res);
    case 'over_qps_page':
      return sendOverQpsPage(res, fault.retryAfter ?? 1);
    case 'forbidden_retry_after':
      return sendForbiddenRetryAfter(res, fault.retryAfter ?? 1);
    case 'unauthorized':
      return sendJson(res, 401, { errorMessage: 'Invalid token' });
    case 'server_error':
      return sendJson(res, 500, { message: 'Internal error' });
    case 'bad_gateway_html':
      return send(res, 502, '<html>Bad Gateway</html>', 'text/html');
    case 'malformed_json':
      return send(res, 200, '{"access_token": "abc', 'application/json');
    case 'invalid_grant':
      return sendJson(res, 400, {
        error: 'invalid_grant',
        error_description: 'The provided authorization grant is invalid, expired or revoked.',
      });
    case 'no_access_token':
      return sendJson(res, 200, { token_type: 'bearer', expires_in: 3600 });
    case 'slow':
    case 'slow_answer':
    case 'hang':
    case 'reset':
      throw new Error(`fault kind ${fault.kind} does not answer by itself`);
  }
}
