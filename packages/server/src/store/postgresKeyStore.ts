export { PostgresKeyStore } from './postgres/postgresKeyStore.js';
