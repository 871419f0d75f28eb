/**
 * @accessledger/storage: access history in PostgreSQL (or embedded PGlite)
 * through Knex — migrations, the snapshot writer, history reads, runs,
 * connections and encrypted credentials.
 */
export * from './tables.js';
export * from './model.js';
export * from './errors.js';
export {
  openDatabase,
  databaseConfigFromEnv,
  redactUrl,
  redactDatabaseUrls,
  DEFAULT_DATA_DIR,
} from './database.js';
export { DataFolderLockedError } from './data-folder.js';
export type { Database, DatabaseConfig, Engine, OpenDatabaseOptions } from './database.js';
export {
  migrateLatest,
  migrateDown,
  migrateRollbackAll,
  checkSchema,
  checkMigrations,
  migrations,
} from './migrations/index.js';
export type { SchemaStatus } from './migrations/index.js';
export { ConnectionStore } from './connections.js';
export type { NewConnection, ConnectionPatch } from './connections.js';
export { SyncRunStore } from './runs.js';
export { AuditStore } from './audit.js';
export { RunnerLiveness, RUNNER_LOCK_NAMESPACE } from './runner-liveness.js';
export type { BeginAudit, FinishAudit, AuditQuery } from './audit.js';
export type { StartRun, RunOutcome, FailingConnection } from './runs.js';
export { SnapshotWriter, MERGE_LOCK_NAMESPACE } from './writer/snapshot-writer.js';
export type {
  WriteSnapshotInput,
  WriteSnapshotResult,
  SnapshotWriterOptions,
} from './writer/snapshot-writer.js';
export { ActivityWriter } from './writer/activity-writer.js';
export type { WriteActivityInput } from './writer/activity-writer.js';
export { KnexSnapshotStore } from './history.js';
export type { SnapshotStore } from './history.js';
export { nameKey } from './access-reads.js';
export type { Holder, Names } from './access-reads.js';
export { SecretBox, SecretDecryptionError, SECRET_KEY_BYTES } from './secrets/secret-box.js';
export { loadSecretBox, DEFAULT_SECRET_KEY_FILE } from './secrets/secret-key.js';
export type { SecretKeyOptions } from './secrets/secret-key.js';
export { DatabaseCredentialStore } from './secrets/credential-store.js';
export {
  serveEmbeddedDatabase,
  servedEmbeddedDatabase,
  servedDatabaseError,
  serveMarkerOf,
} from './embedded-server.js';
export type { EmbeddedServer, ServedDatabase } from './embedded-server.js';
