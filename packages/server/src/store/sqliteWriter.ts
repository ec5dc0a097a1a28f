import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { type InsertRefusal, type KeyInsert, SqliteBatchWrites, type StoredKeyUse } from './sqliteWrites.js';

export interface WriterThreadOptions {
  file: string;
  /** How often it looks for other connections' commits. */
  pollMs: number;
}

export type WriterRequest =
  | { kind: 'insert'; id: number; batch: readonly KeyInsert[] }
  | { kind: 'uses'; id: number; uses: readonly StoredKeyUse[] };

export type WriterReply =
  | { kind: 'done'; id: number; refusals: InsertRefusal[] }
  | { kind: 'failed'; id: number; code: string; message: string }
  | { kind: 'changed' }
  /** Sent once, when the thread has taken its first look at data_version. */
  | { kind: 'watching' };

/** Where the SQLite store's batched writes run, and how it hears of other connections' commits. */
export interface SqliteWriter {
  /** Commits the batch in one transaction; resolves once it is on disk, with the inserts refused alone. */
  insert(batch: readonly KeyInsert[]): Promise<InsertRefusal[]>;
  recordUses(uses: readonly StoredKeyUse[]): Promise<void>;
  /**
   * `onChange` runs, a few times a second at most, after a commit by a connection other than
   * the writer's; any commit after this resolves counts.
   */
  watch(onChange: () => void): Promise<void>;
  close(): Promise<void>;
}

/** An error from the writer as better-sqlite3 would have thrown it here: its SQLite code kept. */
export const writeError = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * A file database's writer: a worker thread with its own connection. An in-memory database
 * cannot be opened twice, so its writes run on the store's connection, which nothing else can
 * commit to.
 */
export function sqliteWriter(file: string, db: Database.Database, pollMs: number): SqliteWriter {
  if (file === ':memory:') {
    const writes = new SqliteBatchWrites(db);
    return {
      insert: async (batch) => writes.insert(batch),
      recordUses: async (uses) => writes.recordUses(uses),
      watch: async () => {},
      close: async () => {},
    };
  }
  return new WriterThread({ file, pollMs });
}

// Built, the thread runs as JavaScript. From source (tests, development) it is TypeScript, loaded
// through tsx as the rest is: registered in the thread first, since a worker does not take --import.
const fromSource = import.meta.url.endsWith('.ts');
const threadFile = new URL(`./sqliteWriterThread.${fromSource ? 'ts' : 'js'}`, import.meta.url);
const tsxApi = () =>
  pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx')
      .replace(/loader\.mjs$/, 'esm/api/index.mjs'),
  ).href;
const startThread = (options: WriterThreadOptions) =>
  fromSource
    ? new Worker(
        `import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); return import(${JSON.stringify(threadFile.href)}); })`,
        { eval: true, workerData: options },
      )
    : new Worker(threadFile, { workerData: options });

class WriterThread implements SqliteWriter {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (refusals: InsertRefusal[]) => void; reject: (error: Error) => void }
  >();
  private readonly watchers = new Set<() => void>();
  private readonly sent = new Set<Promise<unknown>>();
  private watching: Promise<void> = Promise.resolve();

  constructor(private readonly options: WriterThreadOptions) {}

  insert(batch: readonly KeyInsert[]): Promise<InsertRefusal[]> {
    return this.request((id) => ({ kind: 'insert', id, batch }));
  }

  async recordUses(uses: readonly StoredKeyUse[]): Promise<void> {
    await this.request((id) => ({ kind: 'uses', id, uses }));
  }

  async watch(onChange: () => void): Promise<void> {
    this.watchers.add(onChange);
    this.thread();
    await this.watching;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.watchers.clear();
    // Requests already sent are answered before the thread is stopped.
    await Promise.allSettled(this.sent);
    await worker?.terminate();
  }

  private request(make: (id: number) => WriterRequest): Promise<InsertRefusal[]> {
    const worker = this.thread();
    const id = this.nextId++;
    const answered = new Promise<InsertRefusal[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // The process stays up while a write is on its way, and only then.
      worker.ref();
      worker.postMessage(make(id));
    });
    this.sent.add(answered);
    const forget = () => this.sent.delete(answered);
    answered.then(forget, forget);
    return answered;
  }

  private thread(): Worker {
    if (this.worker) {
      return this.worker;
    }
    const worker = startThread(this.options);
    worker.unref();
    let watching!: () => void;
    this.watching = new Promise((resolve) => (watching = resolve));
    worker.on('message', (reply: WriterReply) => {
      if (reply.kind === 'watching') {
        watching();
        return;
      }
      if (reply.kind === 'changed') {
        for (const onChange of this.watchers) {
          onChange();
        }
        return;
      }
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) {
        worker.unref();
      }
      if (reply.kind === 'done') {
        waiter?.resolve(reply.refusals);
      } else {
        waiter?.reject(writeError(reply.code, reply.message));
      }
    });
    const lost = (error: Error) => {
      if (this.worker !== worker) {
        return;
      }
      this.worker = undefined;
      watching();
      for (const { reject } of this.waiting.values()) {
        reject(error);
      }
      this.waiting.clear();
      // Commits made while no thread watched are unknown: count them as a change.
      for (const onChange of this.watchers) {
        onChange();
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`The SQLite writer thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
