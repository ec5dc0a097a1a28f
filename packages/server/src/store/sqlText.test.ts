import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { positional } from './postgres/postgresDatabase.js';
import { migrationsFor, migrationsTable } from './shared/migrations.js';
import * as statements from './shared/statements.js';
import { SQLITE_TYPES, sqliteText } from './sqlite/sqliteDatabase.js';

// The store's SQL is written once, with `@name` parameters and PostgreSQL's casts; each dialect
// turns it into its own text.
const shared = (Object.entries(statements) as [string, unknown][]).filter(
  (entry): entry is [string, string] =>
    typeof entry[1] === 'string' && /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/.test(entry[1]),
);

describe('the shared SQL text', () => {
  it('numbers each named parameter once for PostgreSQL, leaving quoted strings and comments alone', () => {
    const { text, names } = positional(
      "SELECT * FROM t WHERE a = @a AND b = @b::uuid AND c = @a AND d = 'x@y.z' -- or @nothing\n AND e = 'it''s @n'",
    );
    expect(text).toBe(
      "SELECT * FROM t WHERE a = $1 AND b = $2::uuid AND c = $1 AND d = 'x@y.z' -- or @nothing\n AND e = 'it''s @n'",
    );
    expect(names).toEqual(['a', 'b']);
  });

  it('drops the casts for SQLite, but not inside a quoted string', () => {
    expect(sqliteText("SELECT @a::timestamptz, @b::uuid[], 'a::text' FROM t")).toBe("SELECT @a, @b, 'a::text' FROM t");
  });

  it('prepares every shared statement on a SQLite database the migrations made', () => {
    const db = new Database(':memory:');
    db.exec(migrationsTable(SQLITE_TYPES));
    for (const migration of migrationsFor('sqlite', SQLITE_TYPES)) {
      db.exec(migration);
    }
    expect(shared.length).toBeGreaterThan(8);
    for (const [name, sql] of shared) {
      expect(() => db.prepare(sqliteText(sql)), name).not.toThrow();
    }
    db.close();
  });
});
