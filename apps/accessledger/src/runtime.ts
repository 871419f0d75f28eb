import { createLogger, type Connector, type ConnectorRegistry, type Logger } from '@accessledger/core';
import {
  AuditStore,
  ConnectionStore,
  databaseConfigFromEnv,
  DatabaseCredentialStore,
  KnexSnapshotStore,
  loadSecretBox,
  openDatabase,
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
import path from 'node:path';
import { createConnectorRegistry } from './composition.js';
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
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const config = databaseConfigFromEnv(options.env);
  const database = await openDatabase(config);
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
  // The embedded setup keeps its generated key beside its data folder, so the two travel together.
  const keyFile =
    config.engine === 'pglite' && config.dataDir
      ? path.join(path.dirname(config.dataDir), 'secret.key')
      : undefined;
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
      box ??= loadSecretBox({ engine: database.engine, env: options.env, ...(keyFile ? { keyFile } : {}) });
      const audience = registry.credentialAudience({
        name: connection.name,
        connectorId: connection.connectorId,
        config: connection.config,
      });
      return new DatabaseCredentialStore(knex, connection.id, box, audience, logger);
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
