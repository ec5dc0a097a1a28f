import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { type InsertRefusal, type KeyInsert, SqliteBatchWrites, type StoredKeyUse } from './sqliteWrites.js';

export interface WriterThreadOptions {
  file: string;
  /** How often it looks for commits its connection did not make. */
  pollMs: number;
}

export type WriterRequest =
  | { kind: 'insert'; id: number; batch: readonly KeyInsert[] }
  | { kind: 'uses'; id: number; uses: readonly StoredKeyUse[] };

/** An error thrown in the thread, with what a caller or a log needs of it. */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

export type WriterReply =
  | { kind: 'done'; id: number; refusals: InsertRefusal[] }
  | { kind: 'failed'; id: number; error: ThreadError }
  /** Its connection's data_version moved: some other connection committed. */
  | { kind: 'changed' }
  /** Sent once, when the thread has taken its first look at data_version. */
  | { kind: 'watching' };

/** Where the SQLite store's batched writes run, and how it hears of other processes' commits. */
export interface SqliteWriter {
  /** Commits the batch in one transaction; resolves once it is on disk, with the inserts refused alone. */
  insert(batch: readonly KeyInsert[]): Promise<InsertRefusal[]>;
  recordUses(uses: readonly StoredKeyUse[]): Promise<void>;
  /**
   * `onChange` runs, a few times a second at most, after a commit by another process; any
   * commit after this resolves counts. (Now and then after this process's own: never missing one.)
   */
  watch(onChange: () => void): Promise<void>;
  close(): Promise<void>;
}

/** An error as better-sqlite3 would have thrown it here: its name, SQLite code and stack kept. */
export function writeError({ name, message, code, stack }: ThreadError): Error {
  const error = Object.assign(new Error(message), code === undefined ? {} : { code });
  error.name = name;
  if (stack !== undefined) {
    error.stack = stack;
  }
  return error;
}

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
  return new WriterThread({ file, pollMs }, db);
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
  private closed = false;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (refusals: InsertRefusal[]) => void; reject: (error: Error) => void }
  >();
  private readonly sent = new Set<Promise<unknown>>();
  private readonly watchers = new Set<() => void>();
  private watching: Promise<void> = Promise.resolve();
  private mainWatch: NodeJS.Timeout | undefined;
  // When (performance.now()) each connection last saw a commit it did not make, not yet paired.
  private mainMovedAt = Number.NEGATIVE_INFINITY;
  private threadMovedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: WriterThreadOptions,
    /** The store's own connection, which makes this process's other writes. */
    private readonly db: Database.Database,
  ) {}

  insert(batch: readonly KeyInsert[]): Promise<InsertRefusal[]> {
    return this.request((id) => ({ kind: 'insert', id, batch }));
  }

  async recordUses(uses: readonly StoredKeyUse[]): Promise<void> {
    await this.request((id) => ({ kind: 'uses', id, uses }));
  }

  /**
   * A commit by another process moves data_version on both of this process's connections; one
   * by this process, only on the connection that did not make it. So a change is reported when
   * both connections have seen one within a few polls of each other. Two commits of this
   * process's own, one per connection, close together are reported too: a needless refresh,
   * where the other way round would be a missed one.
   */
  async watch(onChange: () => void): Promise<void> {
    this.watchers.add(onChange);
    this.thread();
    if (!this.mainWatch) {
      let version = this.db.pragma('data_version', { simple: true });
      this.mainWatch = setInterval(() => {
        const current = this.db.pragma('data_version', { simple: true });
        if (current !== version) {
          version = current;
          this.mainMovedAt = performance.now();
          this.pairMoves();
        }
      }, this.options.pollMs).unref();
    }
    await this.watching;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.mainWatch);
    this.watchers.clear();
    // Requests already sent are answered before the thread is stopped.
    await Promise.allSettled(this.sent);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private pairMoves(): void {
    if (Math.abs(this.mainMovedAt - this.threadMovedAt) > 3 * this.options.pollMs) {
      return;
    }
    this.mainMovedAt = this.threadMovedAt = Number.NEGATIVE_INFINITY;
    this.changed();
  }

  private changed(): void {
    for (const onChange of this.watchers) {
      onChange();
    }
  }

  private request(make: (id: number) => WriterRequest): Promise<InsertRefusal[]> {
    if (this.closed) {
      return Promise.reject(new Error('The SQLite store is closed'));
    }
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

  private thread(restarted = false): Worker {
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
        // Whatever was committed while no thread watched is unknown: count it as a change.
        if (restarted) {
          this.changed();
        }
        return;
      }
      if (reply.kind === 'changed') {
        this.threadMovedAt = performance.now();
        this.pairMoves();
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
        waiter?.reject(writeError(reply.error));
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
      this.changed();
      // The watch must go on: a new thread, whose first look is a change of its own.
      if (this.watchers.size > 0 && !this.closed) {
        this.thread(true);
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`The SQLite writer thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
