export { SqliteKeyStore } from './sqlite/sqliteKeyStore.js';
