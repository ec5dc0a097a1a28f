// The SQLite store's writer thread (sqliteWriter.ts starts it): group commits and last uses on
// a connection of its own, so that their statements and fsync leave the event loop free, and
// half of the watch for other processes' commits (this connection's data_version).
import { parentPort, workerData } from 'node:worker_threads';
import type { WriterReply, WriterRequest, WriterThreadOptions } from './sqliteWriter.js';
import { type InsertRefusal, openSqlite, SqliteBatchWrites } from './sqliteWrites.js';

const { file, pollMs } = workerData as WriterThreadOptions;
const db = openSqlite(file);
const writes = new SqliteBatchWrites(db);
const port = parentPort!;

let version = db.pragma('data_version', { simple: true });
setInterval(() => {
  const current = db.pragma('data_version', { simple: true });
  if (current !== version) {
    version = current;
    port.postMessage({ kind: 'changed' } satisfies WriterReply);
  }
}, pollMs);
port.postMessage({ kind: 'watching' } satisfies WriterReply);

port.on('message', (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    let refusals: InsertRefusal[] = [];
    if (request.kind === 'insert') {
      refusals = writes.insert(request.batch);
    } else {
      writes.recordUses(request.uses);
    }
    reply = { kind: 'done', id: request.id, refusals };
  } catch (error) {
    const { name = 'Error', message = String(error), code, stack } = error as Partial<Error> & { code?: unknown };
    reply = {
      kind: 'failed',
      id: request.id,
      error: { name, message, stack, ...(typeof code === 'string' ? { code } : {}) },
    };
  }
  port.postMessage(reply);
});
