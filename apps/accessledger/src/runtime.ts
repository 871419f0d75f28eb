import { createLogger, type Connector, type ConnectorRegistry, type Logger } from '@accessledger/core';
import {
  AuditStore,
  ConnectionStore,
  databaseConfigFromEnv,
  DatabaseCredentialStore,
  KnexSnapshotStore,
  loadSecretBox,
  RunnerLiveness,
  SnapshotWriter,
  SyncRunStore,
  type Connection,
  type Database,
  type SecretBox,
  type SnapshotStore,
} from '@accessledger/storage';
import { NotFoundError } from '@accessledger/core';
import type { Knex } from 'knex';
import { chmodSync, constants, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createConnectorRegistry } from './composition.js';
import { openConfiguredDatabase } from './database-access.js';
import { migrateAll, schemaStatus } from './migrations.js';

/** Everything a command needs: the database and its stores, the connector registry, a logger. */
export interface Runtime {
  readonly database: Database;
  readonly connections: ConnectionStore;
  readonly runs: SyncRunStore;
  /** The provisioning audit trail. */
  readonly audit: AuditStore;
  readonly snapshots: SnapshotStore;
  readonly writer: SnapshotWriter;
  readonly registry: ConnectorRegistry;
  readonly logger: Logger;
  /** A connection's encrypted credentials; the key is loaded on first use. */
  credentialsOf(connection: Connection, knex?: Knex): DatabaseCredentialStore;
  /** The key that seals credentials: its fingerprint and where it comes from (never the key). */
  secretKey(): { readonly fingerprint: string; readonly source: string };
  connectionNamed(name: string): Promise<Connection>;
  /** The connector for a connection, built by its plugin from the stored config. */
  connectorOf(connection: Connection): Connector;
  /**
   * This process's runner key for the runs it records (server database: the
   * key of its liveness lock, taken on first use); undefined on the embedded one.
   */
  runnerKey(): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Apply pending migrations first (the daemon and the demo do). */
  readonly migrate?: boolean;
  readonly logger?: Logger;
  readonly registry?: ConnectorRegistry;
  /** The command only reads: it may go through `accessledger db serve` when that serves the embedded database. */
  readonly readOnly?: boolean;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const config = databaseConfigFromEnv(options.env);
  const database = await openConfiguredDatabase(config, options.readOnly === true && !options.migrate);
  try {
    // Every command checks both migration sets, so that a newer scheduler schema stops it too.
    if (options.migrate) await migrateAll(database.knex);
    else await schemaStatus(database.knex);
  } catch (error) {
    // An open database keeps the process alive: a failure here must not leave it open.
    await database.close().catch(() => undefined);
    throw error;
  }
  const logger =
    options.logger ?? createLogger({ name: 'accessledger', level: options.env['LOG_LEVEL'] ?? 'warn' });
  const keyFile = config.engine === 'pglite' && config.dataDir ? embeddedKeyFile(config.dataDir) : undefined;
  const registry = options.registry ?? createConnectorRegistry();
  let box: SecretBox | undefined;
  let liveness: Promise<RunnerLiveness> | undefined;
  const connections = new ConnectionStore(database.knex);
  const runs = new SyncRunStore(database.knex);
  // The embedded database opens in one process at a time (its folder is locked): a run still marked
  // running belongs to a process that died. On a server database, a run whose runner's liveness lock
  // is free does (RunnerLiveness); another replica's runs are left alone.
  if (options.migrate) {
    try {
      const abandoned = await runs.failAbandoned(new Date(), database.engine);
      if (abandoned > 0) logger.warn({ abandoned }, 'marked runs of a process that died as failed');
    } catch (error) {
      await database.close().catch(() => undefined);
      throw error;
    }
  }
  const secretBox = (): SecretBox =>
    // The configured engine decides where the key is, even when `db serve` carries the connection.
    (box ??= loadSecretBox({ engine: config.engine, env: options.env, ...(keyFile ? { keyFile } : {}) }));
  return {
    database,
    connections,
    runs,
    audit: new AuditStore(database.knex),
    snapshots: new KnexSnapshotStore(database.knex),
    writer: new SnapshotWriter(database),
    registry,
    logger,
    credentialsOf(connection, knex = database.knex) {
      const audience = registry.credentialAudience({
        name: connection.name,
        connectorId: connection.connectorId,
        config: connection.config,
      });
      return new DatabaseCredentialStore(knex, connection.id, secretBox(), audience, logger);
    },
    secretKey() {
      return { fingerprint: secretBox().fingerprint, source: secretKeySource(options.env, keyFile) };
    },
    async connectionNamed(name) {
      const connection = await connections.getByName(name);
      if (!connection) {
        const known = (await connections.list()).map((candidate) => candidate.name);
        throw new NotFoundError(
          `No connection named "${name}" (known: ${known.join(', ') || 'none'}). Add one with \`accessledger connections add\`.`,
        );
      }
      return connection;
    },
    connectorOf(connection) {
      return registry.createConnector({
        name: connection.name,
        connectorId: connection.connectorId,
        config: connection.config,
      });
    },
    runnerKey: async () => {
      if (config.engine !== 'pg') return undefined;
      liveness ??= RunnerLiveness.start(config.url);
      return (await liveness).key;
    },
    close: async () => {
      const started = liveness;
      liveness = undefined;
      await (await started?.catch(() => undefined))?.stop();
      await database.close();
    },
  };
}

/**
 * The embedded setup's generated key lives inside its data folder, so two data folders never share a
 * key and a folder carries its key when it is moved. A key file left beside the folder by an older
 * version (`.accessledger/secret.key` next to `.accessledger/db`) is copied in once, so credentials
 * stored with it stay readable.
 */
export function embeddedKeyFile(dataDir: string): string {
  const keyFile = path.join(dataDir, 'secret.key');
  const legacy = path.join(path.dirname(dataDir), 'secret.key');
  if (!existsSync(keyFile) && existsSync(legacy)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    copyFileSync(legacy, keyFile, constants.COPYFILE_EXCL);
    chmodSync(keyFile, 0o600);
  }
  return keyFile;
}

/** Where the credential key comes from, for `db status` and `connections show`. */
export function secretKeySource(
  env: Readonly<Record<string, string | undefined>>,
  keyFile: string | undefined,
): string {
  if (env['ACCESSLEDGER_SECRET_KEY']?.trim()) return 'ACCESSLEDGER_SECRET_KEY';
  return keyFile === undefined ? 'none (set ACCESSLEDGER_SECRET_KEY)' : `key file ${keyFile}`;
}
