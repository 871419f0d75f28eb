import {
  openDatabase,
  servedEmbeddedDatabase,
  type Database,
  type DatabaseConfig,
} from '@accessledger/storage';

/**
 * Opens the configured database. While `accessledger db serve` serves the
 * embedded folder, a read-only command goes through that server (one
 * connection: the server takes one client at a time); any other command is
 * refused by storage with a message that says so.
 */
export async function openConfiguredDatabase(config: DatabaseConfig, readOnly: boolean): Promise<Database> {
  if (readOnly && config.engine === 'pglite' && config.dataDir !== null) {
    const served = servedEmbeddedDatabase(config.dataDir);
    if (served) {
      const database = await openDatabase({ engine: 'pg', url: served.url, poolMax: 1 });
      return {
        ...database,
        description: `embedded database in ${config.dataDir}, through accessledger db serve (pid ${served.pid}, port ${served.port})`,
      };
    }
  }
  return openDatabase(config);
}
