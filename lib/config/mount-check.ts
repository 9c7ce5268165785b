/**
 * How `baseUrl` and the path egnyteAuth() is mounted at combine. `baseUrl` is the public URL of
 * the mount point: `baseUrl + routes.callback` is the redirect URI, and a path Express sees
 * under the mount (`req.originalUrl` minus `req.baseUrl`) is public at `baseUrl`'s path plus
 * that rest. This covers an app mounted under its prefix (`app.use('/app', router)`, baseUrl
 * `https://x.example/app`) and an app behind a proxy that strips the prefix (mounted at `/`,
 * the same baseUrl). Express's mount path must therefore be a suffix of baseUrl's path; when it
 * is not, every URL the package makes is wrong, so the router warns once.
 */

/** The `code` of the warning, for `process.on('warning')` filters. */
export const MOUNT_WARNING_CODE = 'EGNYTE_AUTH_MOUNT';

/** baseUrl's path without a trailing slash: `''` at the root, else e.g. `/app`. Pure. */
export function basePathOf(baseUrl: string): string {
  return new URL(baseUrl).pathname.replace(/\/+$/, '');
}

/**
 * The public path of `expressPath` (a request's `originalUrl`), for a router mounted at
 * `mountPath` with baseUrl's path `basePath`. Pure.
 */
export function publicPath(basePath: string, mountPath: string, expressPath: string): string {
  if (!expressPath.startsWith(mountPath)) return expressPath;
  const rest = expressPath.slice(mountPath.length);
  return basePath + (rest.startsWith('/') ? rest : `/${rest}`);
}

/** Why `mountPath` does not fit `baseUrl`, or `undefined` when it does. Pure. */
export function mountProblem(baseUrl: string, mountPath: string): string | undefined {
  if (mountPath === '' || mountPath === '/') return undefined;
  const basePath = basePathOf(baseUrl).toLowerCase();
  const mount = mountPath.replace(/\/+$/, '').toLowerCase();
  if (basePath === mount || basePath.endsWith(mount)) return undefined;
  const suggested = new URL(baseUrl).origin + mountPath.replace(/\/+$/, '');
  return (
    `egnyteAuth() is mounted at "${mountPath}" but baseUrl "${baseUrl}" does not end with it: baseUrl must be the public URL ` +
    `of the mount point (e.g. "${suggested}"), or the redirect URI, the login links and the redirects after sign-in and logout miss the prefix`
  );
}

/** A check that looks at the first mount path it is given only, and warns at most once. */
export function mountWarner(baseUrl: string): (mountPath: string) => void {
  let checked = false;
  return (mountPath) => {
    if (checked) return;
    checked = true;
    const problem = mountProblem(baseUrl, mountPath);
    if (problem) process.emitWarning(`express-egnyte-auth: ${problem}.`, { type: 'EgnyteAuthWarning', code: MOUNT_WARNING_CODE });
  };
}
