/**
 * The profile's "Your shared files" card: the user's `/Shared` folder, listed through
 * `req.egnyte.fetch` (Egnyte's File System API, with the user's token, server-side). This is
 * what signing in is for. A refused or throttled call is shown as a note in the card, not as
 * an error page: the rest of the profile is still good.
 */
import { isEgnyteAuthError } from 'express-egnyte-auth';
import { escapeHtml } from './html.js';

/** The folder the profile lists. */
export const SHARED_PATH = '/Shared';

/** One row of the listing. */
export interface ListedEntry {
  name: string;
  folder: boolean;
  size?: number;
  /** `YYYY-MM-DD`, when Egnyte said. */
  modified?: string;
}

/** The listing, or why there is none. */
export type SharedFolderView =
  | { ok: true; entries: ListedEntry[]; total: number }
  | { ok: false; message: string };

/** `req.egnyte.fetch`, or anything shaped like it. */
export type EgnyteFetch = (path: string, init?: RequestInit) => Promise<Response>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function day(value: unknown): string | undefined {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : undefined;
}

/** Reads Egnyte's folder listing (`folders[]`, `files[]`, `total_count`) defensively. */
export function parseListing(body: unknown): { entries: ListedEntry[]; total: number } {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const list = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
  const entries: ListedEntry[] = [];
  for (const f of list(b.folders)) {
    const name = str(f.name);
    const modified = day(f.lastModified);
    if (name) entries.push({ name, folder: true, ...(modified ? { modified } : {}) });
  }
  for (const f of list(b.files)) {
    const name = str(f.name);
    const modified = day(f.last_modified);
    if (name) entries.push({ name, folder: false, ...(typeof f.size === 'number' ? { size: f.size } : {}), ...(modified ? { modified } : {}) });
  }
  const total = typeof b.total_count === 'number' && b.total_count >= entries.length ? b.total_count : entries.length;
  return { entries, total };
}

/**
 * Lists `/Shared`. Egnyte refusing the sign-in itself (`login_required`, `developer_inactive`)
 * is thrown, since it ends the login and the error page says so; anything else becomes a message.
 */
export async function loadSharedFolder(egnyteFetch: EgnyteFetch): Promise<SharedFolderView> {
  let answer: Response;
  try {
    answer = await egnyteFetch(`/pubapi/v1/fs${SHARED_PATH}`, { headers: { accept: 'application/json' } });
  } catch (err) {
    if (isEgnyteAuthError(err, 'login_required', 'developer_inactive')) throw err;
    if (isEgnyteAuthError(err, 'rate_limited')) {
      const wait = Math.max(1, Math.ceil(err.retryAfter ?? 1));
      return { ok: false, message: `Egnyte asked this app to slow down, so your files are not listed just now. Reload the page in ${wait} second${wait === 1 ? '' : 's'}.` };
    }
    const code = isEgnyteAuthError(err) ? err.code : 'network error';
    return { ok: false, message: `Your files could not be listed just now (${code}). Reload the page in a moment.` };
  }
  if (!answer.ok) {
    await answer.body?.cancel();
    if (answer.status === 403) {
      return {
        ok: false,
        message: `Egnyte did not let this app list ${SHARED_PATH} (HTTP 403): your account may not have access to it, or the app was not granted the Egnyte.filesystem scope.`,
      };
    }
    if (answer.status === 404) return { ok: false, message: `There is no ${SHARED_PATH} folder on your Egnyte domain.` };
    return { ok: false, message: `Egnyte's File System API answered HTTP ${answer.status}, so your files are not listed.` };
  }
  try {
    return { ok: true, ...parseListing(await answer.json()) };
  } catch {
    return { ok: false, message: 'Egnyte\'s answer could not be read, so your files are not listed.' };
  }
}

function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The card's HTML; every value escaped. */
export function sharedFolderCard(view: SharedFolderView, domain: string): string {
  const intro = `<p class="muted">Listed from <code>${SHARED_PATH}</code> on ${escapeHtml(domain)} through Egnyte's File System API, with your sign-in.</p>`;
  if (!view.ok) return `<div class="card">\n<h2>Your shared files</h2>\n${intro}\n<p class="note" role="status">${escapeHtml(view.message)}</p>\n</div>`;
  if (view.entries.length === 0) return `<div class="card">\n<h2>Your shared files</h2>\n${intro}\n<p>Your ${SHARED_PATH} folder is empty.</p>\n</div>`;
  const rows = view.entries
    .map((e) => `<tr><td>${e.folder ? 'Folder: ' : ''}${escapeHtml(e.name)}</td><td class="size">${escapeHtml(formatSize(e.size))}</td><td>${escapeHtml(e.modified ?? '')}</td></tr>`)
    .join('\n');
  const more = view.total > view.entries.length ? `<p class="muted">Showing ${view.entries.length} of ${view.total} items.</p>` : '';
  return `<div class="card">
<h2>Your shared files</h2>
${intro}
<table class="files">
<thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Modified</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${more}</div>`;
}
