/**
 * Typed readings of the Egnyte answers the API helpers return: a user of the Users API
 * (`/pubapi/v2/users/{id}`) and a folder listing (`/pubapi/v1/fs/{path}`). Pure: each takes
 * parsed JSON and throws `upstream_error` when the answer lacks what the type promises.
 */
import { EgnyteAuthError } from '../errors/errors.js';

/** A user as Egnyte's Users API (v2, SCIM-like) describes them. */
export interface EgnyteDirectoryUser {
  /** Egnyte's numeric user id (unique within the domain only). */
  id: number;
  /** Login name (`userName`). */
  username: string;
  /** Email address, when Egnyte gives it. */
  email?: string;
  /** Given name (`name.givenName`). */
  givenName?: string;
  /** Family name (`name.familyName`). */
  familyName?: string;
  /** False for a deactivated user. */
  active?: boolean;
  /** `admin`, `power` or `standard`. */
  userType?: string;
  /** Free-text role. */
  role?: string;
  /** Egnyte's answer as is, for fields not listed here. */
  raw: Readonly<Record<string, unknown>>;
}

/** A sub-folder in a {@link EgnyteFolderListing}. */
export interface EgnyteFolderEntry {
  /** The folder's name. */
  name: string;
  /** Its full path, e.g. `/Shared/Projects`. */
  path: string;
  /** Egnyte's folder id, when given. */
  folderId?: string;
}

/** A file in a {@link EgnyteFolderListing}. */
export interface EgnyteFileEntry {
  /** The file's name. */
  name: string;
  /** Its full path, e.g. `/Shared/Projects/plan.docx`. */
  path: string;
  /** Size in bytes, when given. */
  size?: number;
  /** Last modification time as Egnyte wrote it (an HTTP date), when given. */
  lastModified?: string;
  /** Id of this version of the file, when given. */
  entryId?: string;
  /** Id of the file across versions, when given. */
  groupId?: string;
}

/** A folder's contents, from `GET /pubapi/v1/fs/{path}`. */
export interface EgnyteFolderListing {
  /** The folder's name. */
  name: string;
  /** The folder's path. */
  path: string;
  /** Egnyte's folder id, when given. */
  folderId?: string;
  /** Sub-folders. */
  folders: EgnyteFolderEntry[];
  /** Files. */
  files: EgnyteFileEntry[];
  /** Egnyte's answer as is, for fields not listed here. */
  raw: Readonly<Record<string, unknown>>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function unexpected(what: string): EgnyteAuthError {
  return new EgnyteAuthError('upstream_error', `Egnyte's ${what} answer does not have the expected shape.`);
}

/** Reads a Users API answer. */
export function parseDirectoryUser(body: unknown): EgnyteDirectoryUser {
  const raw = record(body);
  const id = typeof raw?.id === 'string' && /^\d{1,15}$/.test(raw.id) ? Number(raw.id) : raw?.id;
  if (!raw || typeof id !== 'number' || !Number.isSafeInteger(id) || typeof raw.userName !== 'string') throw unexpected('Users API');
  const name = record(raw.name);
  return {
    id,
    username: raw.userName,
    ...optional('email', str(raw.email)),
    ...optional('givenName', str(name?.givenName)),
    ...optional('familyName', str(name?.familyName)),
    ...optional('active', typeof raw.active === 'boolean' ? raw.active : undefined),
    ...optional('userType', str(raw.userType)),
    ...optional('role', str(raw.role)),
    raw: Object.freeze({ ...raw }),
  };
}

function idOf(value: unknown): string | undefined {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : undefined;
}

/** Reads a folder listing answer; entries without a name or path are skipped. */
export function parseFolderListing(body: unknown): EgnyteFolderListing {
  const raw = record(body);
  if (!raw || typeof raw.path !== 'string' || raw.is_folder === false) throw unexpected('folder listing');
  const entries = (value: unknown): Record<string, unknown>[] =>
    (Array.isArray(value) ? value : []).map(record).filter((e): e is Record<string, unknown> => typeof e?.name === 'string' && typeof e.path === 'string');
  return {
    name: str(raw.name) ?? raw.path.split('/').pop() ?? '',
    path: raw.path,
    ...optional('folderId', idOf(raw.folder_id)),
    folders: entries(raw.folders).map((f) => ({ name: f.name as string, path: f.path as string, ...optional('folderId', idOf(f.folder_id)) })),
    files: entries(raw.files).map((f) => ({
      name: f.name as string,
      path: f.path as string,
      ...optional('size', typeof f.size === 'number' && Number.isFinite(f.size) ? f.size : undefined),
      ...optional('lastModified', str(f.last_modified)),
      ...optional('entryId', idOf(f.entry_id)),
      ...optional('groupId', idOf(f.group_id)),
    })),
    raw: Object.freeze({ ...raw }),
  };
}

/**
 * The API path of an Egnyte folder path: each segment percent-encoded. Refuses `.` and `..`
 * segments, which URL parsing would resolve into another API endpoint. Pure.
 */
export function folderApiPath(folder: string): string {
  if (typeof folder !== 'string' || !folder.startsWith('/')) {
    throw new EgnyteAuthError('invalid_request', 'listFolder(path) takes an absolute Egnyte path such as "/Shared".', { status: 500 });
  }
  const segments = folder.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new EgnyteAuthError('invalid_request', 'listFolder(path) does not accept "." or ".." in the path.', { status: 500 });
  }
  return `/pubapi/v1/fs/${segments.map(encodeURIComponent).join('/')}`;
}
