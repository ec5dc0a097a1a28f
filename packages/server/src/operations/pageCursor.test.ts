import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './pageCursor.js';

const secret = randomBytes(32);
const listing = JSON.stringify(['internal-api', 'active', null, null]);
const position = { createdAt: '2026-06-01T12:00:00.000Z', id: randomUUID() };

describe('page cursors', () => {
  it('round-trip a position for the listing they were made for, in the shape the contract allows', () => {
    const cursor = encodeCursor(secret, listing, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor.length).toBeLessThanOrEqual(512);
    expect(decodeCursor(secret, listing, cursor)).toEqual(position);
  });

  it('refuse another listing, another secret, an altered position or MAC, and garbage', () => {
    const cursor = encodeCursor(secret, listing, position);
    const [body, mac] = cursor.split('.') as [string, string];
    expect(decodeCursor(secret, JSON.stringify(['billing-api', 'active', null, null]), cursor)).toBeUndefined();
    expect(decodeCursor(randomBytes(32), listing, cursor)).toBeUndefined();
    const otherBody = Buffer.from(JSON.stringify(['2030-01-01T00:00:00.000Z', position.id])).toString('base64url');
    expect(decodeCursor(secret, listing, `${otherBody}.${mac}`)).toBeUndefined();
    expect(decodeCursor(secret, listing, `${body}.${mac.slice(0, -2)}`)).toBeUndefined();
    for (const junk of ['', '.', 'abc', 'a.b.c', `${body}.`, `.${mac}`]) {
      expect(decodeCursor(secret, listing, junk)).toBeUndefined();
    }
  });
});
