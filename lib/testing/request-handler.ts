/**
 * What happens to every request, whatever its endpoint: route it, count it, read its form,
 * record a token request, apply an injected fault, then run the handler.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.js';
import { answerFault, isControlFault } from './faults.js';
import { BodyTooLargeError, isFormContentType, paramsToRecord, readBody, sendJson, sendJsonAsText } from './http.js';
import { route } from './routing.js';
import type { Route } from './route.js';

/** The `request` listener of the emulator's HTTP server; unexpected errors answer 500. */
export function createRequestListener(ctx: EmulatorContext): RequestListener {
  return (req, res) => {
    handleRequest(ctx, req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { errorMessage: 'Request body too large' }, { Connection: 'close' });
        return;
      }
      sendJson(res, 500, { message: 'Internal error' });
    });
  };
}

/** Handles one request from start to answer. */
export async function handleRequest(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = new URL(req.url ?? '/', 'http://127.0.0.1');
  // Site-wide, as a server would: the redirects matter as much as the pages, since a
  // redirect's policy replaces the page's for the rest of the chain.
  if (ctx.settings.referrerPolicy !== undefined) res.setHeader('Referrer-Policy', ctx.settings.referrerPolicy);
  if (ctx.settings.jsonAsText) sendJsonAsText(res);
  const r = route(ctx, req, res, target);
  // Counted before the body is read and before faults: a faulted request still counts.
  if (r.endpoint) ctx.calls[r.endpoint] += 1;

  let form: Record<string, string> = {};
  if (r.readForm) {
    const text = await readBody(req);
    if (isFormContentType(req.headers['content-type'])) form = paramsToRecord(new URLSearchParams(text));
  }
  if (r.endpoint === 'token') recordTokenRequest(ctx, req, form);

  if (!(await applyFault(ctx, req, res, r))) return;
  r.run(form);
}

/** Keeps what the token request carried and counts its grant type. */
function recordTokenRequest(ctx: EmulatorContext, req: IncomingMessage, form: Record<string, string>): void {
  ctx.lastTokenRequest = {
    body: { ...form },
    contentType: req.headers['content-type'] ?? '',
    ...(req.headers.authorization !== undefined ? { authorizationHeader: req.headers.authorization } : {}),
  };
  const grant = form.grant_type;
  if (grant === 'authorization_code' || grant === 'refresh_token' || grant === 'password') ctx.tokenGrants[grant] += 1;
}

/** Lets the handler run now and sends what it answers `ms` later (headers are sent with the body, at `end`). */
function holdAnswer(ctx: EmulatorContext, res: ServerResponse, ms: number): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    void ctx.timers.delay(ms).then(() => {
      if (!ctx.closed && !res.destroyed) end(...args);
    });
    return res;
  }) as typeof res.end;
}

/**
 * Applies the first matching fault, if any. True when the handler should still run (no
 * fault, or a `slow` one that has waited); false when the fault answered, hung or reset.
 */
async function applyFault(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, r: Route): Promise<boolean> {
  const fault = r.endpoint ? ctx.faults.take(r.endpoint, r.faultHost) : undefined;
  if (!fault) return true;
  if (fault.kind === 'reset') {
    req.socket.destroy();
    return false;
  }
  if (fault.kind === 'hang') return false;
  if (fault.kind === 'slow') {
    await ctx.timers.delay(fault.delayMs ?? 1000);
    return !(ctx.closed || res.destroyed);
  }
  if (fault.kind === 'slow_answer') {
    holdAnswer(ctx, res, fault.delayMs ?? 1000);
    return true;
  }
  if (!isControlFault(fault.kind)) {
    answerFault(res, fault);
    return false;
  }
  return true;
}
