import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { InvalidConfigError, TransientError } from '@accessledger/core';
import knexModule from 'knex';
import type { Knex } from 'knex';
import { servedDatabaseError, servedEmbeddedDatabase } from './embedded-server.js';
import { openDataFolder } from './data-folder.js';
import { checkSchema, migrateLatest } from './migrations/index.js';

export type Engine = 'pg' | 'pglite';

/** Where the embedded database lives when no DATABASE_URL is set, relative to the working directory. */
export const DEFAULT_DATA_DIR = path.join('.accessledger', 'db');

export type DatabaseConfig =
  | { readonly engine: 'pg'; readonly url: string; readonly poolMax?: number }
  /** `dataDir: null` keeps the embedded database in memory (tests, throwaway demos). */
  | { readonly engine: 'pglite'; readonly dataDir: string | null };

/**
 * `DATABASE_URL` selects Postgres; without it the embedded engine keeps its data
 * in `ACCESSLEDGER_DATA_DIR` or `.accessledger/db`.
 */
export function databaseConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): DatabaseConfig {
  const url = env['DATABASE_URL']?.trim();
  if (url) return { engine: 'pg', url };
  const dataDir = env['ACCESSLEDGER_DATA_DIR']?.trim() || DEFAULT_DATA_DIR;
  return { engine: 'pglite', dataDir: path.resolve(cwd, dataDir) };
}

/** An open database: the Knex instance every store takes, and which engine is behind it. */
export interface Database {
  readonly knex: Knex;
  readonly engine: Engine;
  /** A description safe to print: never contains a password. */
  readonly description: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations (the daemon at start, `accessledger db migrate`). Default false. */
  readonly migrate?: boolean;
}

/**
 * Opens the database, checks that its schema is not newer than this code
 * (`SchemaTooNewError`) and optionally migrates it.
 *
 * @example
 * const db = await openDatabase(databaseConfigFromEnv(), { migrate: true });
 * try { ... } finally { await db.close(); }
 */
export async function openDatabase(
  config: DatabaseConfig,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  if (config.engine === 'pglite' && config.dataDir !== null) {
    // Another process serving the folder (`accessledger db serve`) owns it: opening it too would corrupt it.
    const served = servedEmbeddedDatabase(config.dataDir);
    if (served) throw servedDatabaseError(config.dataDir, served);
  }
  const database =
    config.engine === 'pg' ? openPostgres(config.url, config.poolMax) : await openEmbedded(config.dataDir);
  try {
    await database.knex.raw('SELECT 1');
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new TransientError(
      `Could not reach the database at ${database.description}: ${redactDatabaseUrls(describeConnectError(error))}. ` +
        (config.engine === 'pg'
          ? 'Check that Postgres is running and DATABASE_URL is right, or unset DATABASE_URL to use the embedded database.'
          : 'Check that the data folder is writable and not used by another accessledger process.'),
      {},
      { cause: error },
    );
  }
  try {
    if (options.migrate) await migrateLatest(database.knex);
    else await checkSchema(database.knex);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return database;
}

/**
 * Knex prints connection failures to the console on its own; they also reach
 * the caller as errors whose message says what to do, so they are not printed
 * twice. Other warnings and deprecations still are.
 */
const knexLog: Knex.Config['log'] = {
  warn: (message: unknown) => {
    if (typeof message === 'string' && message.startsWith('Acquire connection error')) return;
    console.warn(message);
  },
  deprecate: (method: string, alternative: string) =>
    console.warn(`knex: ${method} is deprecated, use ${alternative}`),
  error: () => undefined,
  debug: () => undefined,
};

function openPostgres(url: string, poolMax = 10): Database {
  const description = redactUrl(url);
  const knex = knexModule.knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    log: knexLog,
  });
  return { knex, engine: 'pg', description, close: () => knex.destroy() };
}

async function openEmbedded(dataDir: string | null): Promise<Database> {
  // Loaded for the embedded engine only: PostgreSQL users never pay for PGlite's start-up.
  const [{ PGlite }, { default: ClientPgLite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('knex-pglite'),
  ]);
  // Locked before PGlite touches a file: two processes on one folder corrupt it for good.
  const folder = dataDir === null ? null : openDataFolder(dataDir);
  let pglite: PGlite;
  try {
    pglite = dataDir === null ? new PGlite() : new PGlite(dataDir);
    await pglite.waitReady;
    folder?.tighten();
  } catch (error) {
    folder?.release();
    throw error;
  }
  const knex = knexModule.knex({
    client: turningClient(ClientPgLite),
    dialect: 'postgres',
    // knex-pglite accepts a function returning the instance, so that we own its lifecycle.
    connection: () => ({ pglite }) as object,
    log: knexLog,
  });
  return {
    knex,
    engine: 'pglite',
    description: dataDir === null ? 'embedded database (in memory)' : `embedded database in ${dataDir}`,
    close: async () => {
      try {
        await knex.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        folder?.release();
      }
    },
  };
}

/**
 * The embedded engine's knex client, returning to the event loop after every query. PGlite answers a
 * query in microtasks, so a sequence of queries (a million current versions read page by page: 6–8 s)
 * never let the loop run: no socket was read, and the sync's first request, whose socket was still
 * connecting, failed on Node's default agent timeout of 5 s.
 */
function turningClient(Base: typeof Knex.Client): typeof Knex.Client {
  // knex's internal hook for running one query on a connection (not in its public types).
  const { _query: runQuery } = Base.prototype as unknown as {
    _query(this: Knex.Client, connection: unknown, query: unknown): Promise<unknown>;
  };
  return class TurningClient extends Base {
    async _query(connection: unknown, query: unknown): Promise<unknown> {
      const answered = await runQuery.call(this, connection, query);
      await new Promise<void>((resolve) => setImmediate(resolve));
      return answered;
    }
  };
}

/** Query parameters of a connection URL that carry a secret (libpq's `password`, `sslpassword`, …). */
const SECRET_PARAMETER = /pass|pwd|secret|token|key/i;

/** The URL without its password, in the authority or in a query parameter, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of [...parsed.searchParams.keys()])
      if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, '***');
    return parsed.toString().replace(/=%2A%2A%2A/g, '=***');
  } catch {
    throw new InvalidConfigError(
      'DATABASE_URL is not a valid URL; expected e.g. postgres://user@host:5432/database.',
      [{ path: 'DATABASE_URL', message: 'not a URL' }],
    );
  }
}

/**
 * Any database URL inside a text (an error message, a log line) with its
 * passwords redacted; what the CLI applies to everything it prints on failure.
 */
export function redactDatabaseUrls(text: string): string {
  return text.replace(/\b(?:postgres(?:ql)?|pg):\/\/[^\s'"`<>]+/gi, (url) => {
    try {
      return redactUrl(url);
    } catch {
      return 'postgres://***';
    }
  });
}

function describeConnectError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return describeConnectError(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}
