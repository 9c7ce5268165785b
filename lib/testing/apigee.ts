/**
 * The answers of Egnyte's API gateway after its move from Mashery to Apigee (EGNYTE.md,
 * "Changes seen in 2025-26": Egnyte "migrated its API management platform from Mashery to
 * Apigee", helpdesk.egnyte.com article 39833196166797). No public Egnyte source shows the
 * throttling answers after the move, so these are Apigee's documented defaults (Apigee's
 * SpikeArrest, Quota and OAuthV2 policy error references): a JSON `fault` body with
 * `detail.errorcode`, 429 for throttling, 401 for a bad token; and, since Egnyte may keep 403
 * as its throttling status and its old HTML pages, those variants without Mashery's
 * `X-Mashery-Error-Code` too. The emulator serves them with `gateway: 'apigee'` and as faults.
 */
import type { ServerResponse } from 'node:http';
import { send, sendJson } from './http.js';

/** Which gateway the emulator plays: Mashery (default, the answers documented before 2025) or Apigee. */
export type EmulatorGateway = 'mashery' | 'apigee';

/** Apigee's error codes the emulator sends (`fault.detail.errorcode`). */
export const APIGEE_ERROR_CODES = Object.freeze({
  spikeArrest: 'policies.ratelimit.SpikeArrestViolation',
  quota: 'policies.ratelimit.QuotaViolation',
  invalidToken: 'oauth.v2.InvalidAccessToken',
});

/** Apigee's fault body. */
export function apigeeFault(faultstring: string, errorcode: string): { fault: { faultstring: string; detail: { errorcode: string } } } {
  return { fault: { faultstring, detail: { errorcode } } };
}

/** Apigee's SpikeArrest answer (per-second limit), with the emulator's `Retry-After`. */
export function sendSpikeArrest(res: ServerResponse, status: 403 | 429, retryAfter: number, qps: number, headers: Record<string, string> = {}): void {
  const body = apigeeFault(
    `Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=${qps}, periodInMicroseconds=1000000, maxBurstMessageCount=${qps}.0}`,
    APIGEE_ERROR_CODES.spikeArrest,
  );
  sendJson(res, status, body, { ...headers, 'Retry-After': String(retryAfter) });
}

/** Apigee's Quota answer (the daily quota is used up). */
export function sendQuotaViolation(res: ServerResponse, status: 403 | 429, retryAfter: number, headers: Record<string, string> = {}): void {
  const body = apigeeFault('Rate limit quota violation. Quota limit  exceeded. Identifier : _default', APIGEE_ERROR_CODES.quota);
  sendJson(res, status, body, { ...headers, 'Retry-After': String(retryAfter) });
}

/** Apigee's answer to an unknown, expired or revoked access token. */
export function sendInvalidAccessToken(res: ServerResponse): void {
  sendJson(res, 401, apigeeFault('Invalid access token', APIGEE_ERROR_CODES.invalidToken));
}

/** Egnyte's old HTML throttling page, without Mashery's header (a gateway that kept the page). */
export function sendOverQpsPage(res: ServerResponse, retryAfter: number): void {
  send(res, 403, '<h1>Developer Over Qps</h1>', 'text/html; charset=utf-8', { 'Retry-After': String(retryAfter) });
}

/** A bare 403 with `Retry-After` and nothing else that names throttling. */
export function sendForbiddenRetryAfter(res: ServerResponse, retryAfter: number): void {
  sendJson(res, 403, { message: 'Forbidden' }, { 'Retry-After': String(retryAfter) });
}
