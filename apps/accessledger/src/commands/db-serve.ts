import { InvalidInputError } from '@accessledger/core';
import { databaseConfigFromEnv, openDatabase, redactUrl, serveEmbeddedDatabase } from '@accessledger/storage';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { migrateAll } from '../migrations.js';
import { port } from '../options.js';

/** The default port of `db serve`: next to PostgreSQL's own 5432, which a local server may hold. */
export const DEFAULT_SERVE_PORT = 5433;

/**
 * `accessledger db serve`: the embedded database over the PostgreSQL wire
 * protocol on 127.0.0.1, until Ctrl-C, so psql, BI tools and notebooks can
 * run the SQL cookbook against it.
 */
export function registerDbServeCommand(program: Command, io: CliIo): void {
  const db = program.commands.find((command) => command.name() === 'db');
  if (!db) throw new Error('register the db commands first');
  db.command('serve')
    .description(
      'Serve the embedded database over the PostgreSQL wire protocol on 127.0.0.1 (psql, BI tools).',
    )
    .option('--port <n>', `port on 127.0.0.1 (0: any free port)`, port, DEFAULT_SERVE_PORT)
    .action(async (flags: { port: number }) => {
      const config = databaseConfigFromEnv(io.env);
      if (config.engine === 'pg') {
        throw new InvalidInputError(
          `DATABASE_URL is set, so the database is a PostgreSQL server already: connect to it directly, e.g. psql '${redactUrl(config.url)}'. \`db serve\` serves the embedded database.`,
        );
      }
      if (config.dataDir === null) throw new InvalidInputError('An in-memory database cannot be served.');
      // Bring the schema up to date first: the views and functions are what people query.
      const database = await openDatabase(config);
      try {
        await migrateAll(database.knex);
      } finally {
        await database.close();
      }
      const server = await serveEmbeddedDatabase({ dataDir: config.dataDir, port: flags.port });
      io.stdout.write(
        `Serving the embedded database in ${config.dataDir} on ${server.host}:${server.port} (one client at a time; others wait their turn).\n` +
          `Connect with:\n  psql '${server.url}'\n` +
          `While it serves, read-only accessledger commands go through it; commands that change data are refused until it stops. Ctrl-C stops it.\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      io.stdout.write('Stopped serving.\n');
    });
}
