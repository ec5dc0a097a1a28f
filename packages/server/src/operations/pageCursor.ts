import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PagePosition {
  createdAt: string;
  id: string;
}

// A cursor is `<base64url position>.<base64url MAC>`. The MAC covers the position and the
// listing it belongs to (app and filters), so an altered cursor, or one sent with another app
// or other filters, is refused instead of silently paging through something else.
const MAC_BYTES = 16;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function mac(secret: Buffer, listing: string, position: string): Buffer {
  return createHmac('sha256', secret).update(listing).update('\n').update(position).digest().subarray(0, MAC_BYTES);
}

export function encodeCursor(secret: Buffer, listing: string, { createdAt, id }: PagePosition): string {
  const position = Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
  return `${position}.${mac(secret, listing, position).toString('base64url')}`;
}

/** A cursor for a listing ordered by a name (apps by slug): the last name of the previous page. */
export function encodeNameCursor(secret: Buffer, listing: string, name: string): string {
  const position = Buffer.from(JSON.stringify([name])).toString('base64url');
  return `${position}.${mac(secret, listing, position).toString('base64url')}`;
}

/** The name a cursor names, or undefined when it was not made by encodeNameCursor for this listing, or names no `pattern`. */
export function decodeNameCursor(secret: Buffer, listing: string, cursor: string, pattern: RegExp): string | undefined {
  const decoded = signedPosition(secret, listing, cursor);
  if (!Array.isArray(decoded) || decoded.length !== 1) {
    return undefined;
  }
  const [name] = decoded as unknown[];
  return typeof name === 'string' && pattern.test(name) ? name : undefined;
}

/** The JSON a cursor's position holds when its MAC is this listing's, else undefined. */
function signedPosition(secret: Buffer, listing: string, cursor: string): unknown {
  const [position, signature, ...rest] = cursor.split('.');
  if (!position || !signature || rest.length > 0) {
    return undefined;
  }
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(secret, listing, position))) {
    return undefined;
  }
  try {
    return JSON.parse(Buffer.from(position, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The position a cursor names, or undefined when it was not made by encodeCursor for this listing. */
export function decodeCursor(secret: Buffer, listing: string, cursor: string): PagePosition | undefined {
  const decoded = signedPosition(secret, listing, cursor);
  if (!Array.isArray(decoded) || decoded.length !== 2) {
    return undefined;
  }
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'string' || !ISO_TIME.test(createdAt) || typeof id !== 'string' || !UUID.test(id)) {
    return undefined;
  }
  return { createdAt, id };
}

/**
 * A page of a listing fetched with one row more than `limit` (which tells whether there is a next
 * page): its first `limit` rows, and the cursor after the last of them, or null on the last page.
 */
export function pageOf<Row>(
  rows: readonly Row[],
  limit: number,
  cursorAfter: (last: Row) => string,
): { page: Row[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next_cursor: rows.length > limit && last !== undefined ? cursorAfter(last) : null };
}
