/**
 * Looking for Egnyte's tokens where the package keeps things (issue 19): every key of a Redis,
 * a memoryCoordination's entries, a MemoryStore's sessions. A store "holds a token" when any 16
 * characters in a row of any token the emulator issued appear in it: a whole token, a piece cut
 * out of one, or one inside JSON.
 */
import type { Store } from 'express-session';
import type { createClient } from 'redis';
import type { EgnyteCoordination } from '../../lib/index.js';

/** How long a piece of a token must be to count as found. */
export const PIECE_LENGTH = 16;

/** One stored thing: where it is, and everything it holds as text. */
export interface StoredItem {
  where: string;
  text: string;
}

/** Every run of {@link PIECE_LENGTH} characters of every token. */
export function piecesOf(tokens: readonly string[]): Set<string> {
  const pieces = new Set<string>();
  for (const token of tokens) for (let i = 0; i + PIECE_LENGTH <= token.length; i++) pieces.add(token.slice(i, i + PIECE_LENGTH));
  return pieces;
}

/** The items that hold a piece of a token, each with the first piece found in it. */
export function itemsHoldingTokens(items: readonly StoredItem[], pieces: ReadonlySet<string>): Array<{ where: string; piece: string }> {
  const found: Array<{ where: string; piece: string }> = [];
  for (const { where, text } of items) {
    for (let i = 0; i + PIECE_LENGTH <= text.length; i++) {
      const piece = text.slice(i, i + PIECE_LENGTH);
      if (pieces.has(piece)) {
        found.push({ where, piece });
        break;
      }
    }
  }
  return found;
}

type RedisClient = ReturnType<typeof createClient>;

/**
 * Every key of the Redis `client` is connected to, with its name and whole value: strings by
 * GET, hashes by HGETALL, lists, sets, sorted sets and streams by their range reads. Any other
 * type is read with DUMP and also reported in `otherTypes`: DUMP may compress a value (LZF), so
 * a test should not rely on it.
 */
export async function redisContents(client: RedisClient): Promise<{ items: StoredItem[]; otherTypes: string[] }> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { COUNT: 500 });
    cursor = String(reply.cursor);
    for (const key of reply.keys) keys.add(key);
  } while (cursor !== '0');
  const items: StoredItem[] = [];
  const otherTypes: string[] = [];
  for (const key of keys) {
    const type = await client.type(key);
    let text: string;
    switch (type) {
      case 'none':
        continue; // expired between SCAN and now
      case 'string':
        text = (await client.get(key)) ?? '';
        break;
      case 'hash':
        text = JSON.stringify(await client.hGetAll(key));
        break;
      case 'list':
        text = JSON.stringify(await client.lRange(key, 0, -1));
        break;
      case 'set':
        text = JSON.stringify(await client.sMembers(key));
        break;
      case 'zset':
        text = JSON.stringify(await client.zRangeWithScores(key, 0, -1));
        break;
      case 'stream':
        text = JSON.stringify(await client.xRange(key, '-', '+'));
        break;
      default: {
        otherTypes.push(`${key}: ${type}`);
        const dumped = (await client.sendCommand(['DUMP', key])) as unknown;
        text = Buffer.isBuffer(dumped) ? dumped.toString('latin1') : String(dumped);
      }
    }
    items.push({ where: `redis ${type} ${key}`, text: `${key}\n${text}` });
  }
  return { items, otherTypes };
}

/** Every entry of a `memoryCoordination()`, key and stored value (its private map, read as it is kept). */
export function memoryCoordinationContents(coordination: EgnyteCoordination): StoredItem[] {
  const entries = (coordination as unknown as { entries?: unknown }).entries;
  if (!(entries instanceof Map)) throw new TypeError('not a memoryCoordination(): no entries map');
  return [...(entries as Map<string, string>)].map(([key, value]) => ({ where: `memoryCoordination ${key}`, text: `${key}\n${value}` }));
}

/** Every session of express-session's MemoryStore, as the store keeps it (its JSON strings). */
export function memoryStoreContents(store: Store): StoredItem[] {
  const sessions = (store as unknown as { sessions?: Record<string, string> }).sessions;
  if (typeof sessions !== 'object' || sessions === null) throw new TypeError('not an express-session MemoryStore: no sessions');
  return Object.entries(sessions).map(([sid, text]) => ({ where: `MemoryStore session ${sid}`, text: `${sid}\n${text}` }));
}
