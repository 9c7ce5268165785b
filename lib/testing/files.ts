/**
 * A small file tree for every emulated domain, served read-only by
 * `GET /d/{host}/pubapi/v1/fs/{path}` in the shapes of Egnyte's File System API (v1): a
 * folder answers `{ name, path, folder_id, is_folder: true, lastModified, count, offset,
 * total_count, folders[], files[] }`, a file answers its metadata with `versions[]`.
 *
 * It exists so that apps (and the demo) can show what signing in is for: listing the user's
 * `/Shared` folder through `req.egnyte.fetch`. The tree is generated from the domain and its
 * users, so every domain has one without configuration, and its ids are stable across runs.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateApi } from './api-access.js';
import type { EmulatorContext } from './context.js';
import { sendJson } from './http.js';
import type { SeededUser } from './options.js';
import { onKnownDomain } from './pubapi.js';
import type { Route } from './route.js';

/** Where the File System API lives on a domain. */
export const FS_PATH_PREFIX = '/pubapi/v1/fs';
/** The scope Egnyte requires for the File System API. */
export const FILESYSTEM_SCOPE = 'Egnyte.filesystem';

/** Every date in the tree: fixed, so answers are the same on every run. */
const MODIFIED_MS = Date.UTC(2025, 2, 14, 9, 30, 0);

interface FsFile {
  readonly kind: 'file';
  readonly name: string;
  readonly size: number;
}
interface FsFolder {
  readonly kind: 'folder';
  readonly name: string;
  readonly children: readonly FsEntry[];
  /** Who may open it; absent: every user of the domain. */
  readonly readableBy?: (user: SeededUser) => boolean;
}
type FsEntry = FsFile | FsFolder;

const file = (name: string, size: number): FsFile => ({ kind: 'file', name, size });
const folder = (name: string, children: FsEntry[], readableBy?: (user: SeededUser) => boolean): FsFolder =>
  readableBy ? { kind: 'folder', name, children, readableBy } : { kind: 'folder', name, children };

/** The tree of `host`: `/Shared` (with an admins-only `Finance`) and one `/Private/{username}` per user. */
function treeOf(host: string, users: readonly SeededUser[]): FsFolder {
  const label = host.split('.')[0] ?? host;
  const company = label.charAt(0).toUpperCase() + label.slice(1);
  return folder('', [
    folder('Shared', [
      folder('Projects', [folder('Website Redesign', [file('Brief.docx', 48_213)]), file('Roadmap.pdf', 1_204_551)]),
      folder('Marketing', [file('Brand Guidelines.pdf', 3_481_220), file('Logo.png', 86_310)]),
      folder('Finance', [file('Budget.xlsx', 72_904)], (u) => u.userType === 'admin'),
      file(`Welcome to ${company}.pdf`, 254_118),
      file('Team Directory.xlsx', 31_337),
    ]),
    folder(
      'Private',
      users.map((owner) => folder(owner.username, [file('Notes.txt', 1_024)], (u) => u.id === owner.id || u.userType === 'admin')),
    ),
  ]);
}

/** A stable UUID-shaped id for an entry, from its domain, path and purpose. */
function stableId(host: string, path: string, purpose: string): string {
  const h = createHash('sha256').update(`${purpose}\n${host}\n${path.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Egnyte's answer for a file (listing entry or metadata). */
function fileBody(host: string, parentPath: string, entry: FsFile, uploadedBy: string, withVersions: boolean): Record<string, unknown> {
  const path = join(parentPath, entry.name);
  const body: Record<string, unknown> = {
    checksum: createHash('sha512').update(`${host}${path}`).digest('hex'),
    size: entry.size,
    path,
    name: entry.name,
    locked: false,
    is_folder: false,
    entry_id: stableId(host, path, 'entry'),
    group_id: stableId(host, path, 'group'),
    parent_id: stableId(host, parentPath, 'folder'),
    last_modified: new Date(MODIFIED_MS).toUTCString(),
    uploaded: MODIFIED_MS,
    uploaded_by: uploadedBy,
    num_versions: 1,
  };
  if (withVersions) {
    const { entry_id, size, checksum, last_modified, uploaded, uploaded_by } = body;
    body.versions = [{ checksum, size, is_folder: false, entry_id, uploaded, last_modified, uploaded_by }];
  }
  return body;
}

/** Egnyte's short form of a subfolder in a listing. */
function folderSummary(host: string, path: string, entry: FsFolder): Record<string, unknown> {
  return { name: entry.name, path, folder_id: stableId(host, path, 'folder'), is_folder: true, lastModified: MODIFIED_MS };
}

/** What a listing request asked for (`list_content`, `count`, `offset`, `sort_by`, `sort_direction`). */
interface ListingQuery {
  listContent: boolean;
  offset: number;
  count: number;
  sortBy: 'name' | 'size';
  descending: boolean;
}

function listingQuery(query: Record<string, string>): ListingQuery {
  const int = (value: string | undefined, fallback: number): number =>
    value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : fallback;
  return {
    listContent: query.list_content !== 'false',
    offset: int(query.offset, 0),
    count: Math.max(1, int(query.count, 100)),
    sortBy: query.sort_by === 'size' ? 'size' : 'name',
    descending: query.sort_direction === 'descending',
  };
}

/** Egnyte's answer for a folder: itself, then a page of its folders and files. */
function folderBody(host: string, path: string, entry: FsFolder, viewer: SeededUser, uploadedBy: string, q: ListingQuery): Record<string, unknown> {
  const name = path === '/' ? '/' : entry.name;
  const visible = entry.children.filter((c) => c.kind === 'file' || !c.readableBy || c.readableBy(viewer));
  const order = (a: FsEntry, b: FsEntry): number => {
    const by = q.sortBy === 'size' && a.kind === 'file' && b.kind === 'file' ? a.size - b.size : a.name.localeCompare(b.name);
    return q.descending ? -by : by;
  };
  const sorted = [...visible.filter((c) => c.kind === 'folder').sort(order), ...visible.filter((c) => c.kind === 'file').sort(order)];
  const page = sorted.slice(q.offset, q.offset + q.count);
  const body: Record<string, unknown> = {
    name,
    path,
    folder_id: stableId(host, path, 'folder'),
    is_folder: true,
    lastModified: MODIFIED_MS,
    restrict_move_delete: false,
    public_links: 'files_folders',
    allowed_file_link_types: ['domain', 'recipients', 'anyone'],
    allowed_folder_link_types: ['domain', 'recipients', 'anyone'],
    offset: q.offset,
    count: page.length,
    total_count: sorted.length,
  };
  if (q.listContent) {
    body.folders = page.filter((c): c is FsFolder => c.kind === 'folder').map((c) => folderSummary(host, join(path, c.name), c));
    body.files = page.filter((c): c is FsFile => c.kind === 'file').map((c) => fileBody(host, path, c, uploadedBy, false));
  }
  return body;
}

/** Finds `segments` under `root` (case-insensitively, as Egnyte does), with the canonical path. */
function find(root: FsFolder, segments: readonly string[], viewer: SeededUser): { entry: FsEntry; path: string; parentPath: string; refused: boolean } | undefined {
  let current: FsEntry = root;
  let path = '/';
  let parentPath = '/';
  let refused = false;
  for (const segment of segments) {
    if (current.kind !== 'folder') return undefined;
    const next: FsEntry | undefined = current.children.find((c) => c.name.toLowerCase() === segment.toLowerCase());
    if (!next) return undefined;
    parentPath = path;
    path = join(path, next.name);
    if (next.kind === 'folder' && next.readableBy && !next.readableBy(viewer)) refused = true;
    current = next;
  }
  return { entry: current, path, parentPath, refused };
}

/** The path segments of the request, decoded; undefined when malformed or using dot segments. */
function segmentsOf(rest: string): string[] | undefined {
  try {
    const segments = rest.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    return segments.some((s) => s === '.' || s === '..' || s.includes('/')) ? undefined : segments;
  } catch {
    return undefined;
  }
}

/** The scope granted with the request's token, when the emulator knows it (tokens with a refresh token). */
function grantedScope(ctx: EmulatorContext, req: IncomingMessage): string | undefined {
  const token = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  const refresh = token === undefined ? undefined : ctx.store.findAccessToken(token)?.refreshToken;
  return refresh === undefined ? undefined : ctx.store.findRefreshToken(refresh)?.scope;
}

/** `GET /pubapi/v1/fs/{path}` on `host`. */
export function handleFileSystem(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, host: string, rest: string, query: Record<string, string>): void {
  const viewer = authenticateApi(ctx, req, res, host);
  if (!viewer) return;
  const scope = grantedScope(ctx, req);
  if (scope !== undefined && scope.trim() !== '' && !scope.split(/\s+/).includes(FILESYSTEM_SCOPE)) {
    return sendJson(res, 403, { errorMessage: `This token was not granted the ${FILESYSTEM_SCOPE} scope.` });
  }
  const users = ctx.directory.activeUsersOf(host);
  const segments = segmentsOf(rest);
  const found = segments && find(treeOf(host, users), segments, viewer);
  if (!found) return sendJson(res, 404, { errorMessage: 'File or folder not found.' });
  if (found.refused) {
    return sendJson(res, 403, { errorMessage: 'You do not have permission to access this folder.' });
  }
  const uploadedBy = users.find((u) => u.userType === 'admin')?.username ?? viewer.username;
  const body = found.entry.kind === 'folder'
    ? folderBody(host, found.path, found.entry, viewer, uploadedBy, listingQuery(query))
    : fileBody(host, found.parentPath, found.entry, uploadedBy, true);
  sendJson(res, 200, body);
}

/** Routes `/pubapi/v1/fs[/…]` of a domain (GET only, as this emulator is read-only); undefined for other paths. */
export function routeFileSystem(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  request: { method: string; sub: string; host: string; query: Record<string, string> },
): Route | undefined {
  const { method, sub, host, query } = request;
  if (sub !== FS_PATH_PREFIX && !sub.startsWith(`${FS_PATH_PREFIX}/`)) return undefined;
  if (method !== 'GET') return { readForm: false, run: () => sendJson(res, 405, { errorMessage: 'Method not allowed' }, { Allow: 'GET' }) };
  const rest = sub.slice(FS_PATH_PREFIX.length);
  return {
    host,
    faultHost: host,
    endpoint: 'fs',
    readForm: false,
    run: () => onKnownDomain(ctx, res, host, () => handleFileSystem(ctx, req, res, host, rest, query)),
  };
}
