/**
 * Debug logging through the `debug` package (`DEBUG=express-egnyte-auth*`). Callers log
 * only what is safe to show: domains, codes, statuses and timings; never tokens, codes,
 * secrets or cookies.
 */
import createDebug from 'debug';

/** Loggers per concern. */
export const log = {
  login: createDebug('express-egnyte-auth:login'),
  callback: createDebug('express-egnyte-auth:callback'),
  guard: createDebug('express-egnyte-auth:guard'),
  upstream: createDebug('express-egnyte-auth:upstream'),
  config: createDebug('express-egnyte-auth:config'),
  coordination: createDebug('express-egnyte-auth:coordination'),
};
