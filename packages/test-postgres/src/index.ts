import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Test support for suites that need a PostgreSQL server: where it is, whether
 * it answers, and a scratch database per suite. Outside CI a missing server
 * skips those suites with the reason in their title; with `CI=true` it fails
 * them, so CI can never pass without having run them.
 */

/** The server to create scratch databases on: `TEST_DATABASE_URL`, or the local default. */
export const adminUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const inCi = process.env['CI'] === 'true';

async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL did not answer, or null when it did. Probed once per test file. */
export const postgresUnreachable: string | null = await probe();

/** Skip PostgreSQL suites only outside CI. */
export const skipPostgres: boolean = postgresUnreachable !== null && !inCi;

/** A suite title that says why it was skipped, when it is. */
export function postgresSuiteTitle(title: string): string {
  return skipPostgres
    ? `${title} (skipped: PostgreSQL unreachable at ${adminUrl}: ${postgresUnreachable})`
    : title;
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** A new, empty database on the test server; throws a clear error when the server does not answer. */
export async function createScratchDatabase(prefix = 'accessledger_test'): Promise<ScratchDatabase> {
  if (postgresUnreachable !== null) {
    throw new Error(
      `PostgreSQL is unreachable at ${adminUrl} (${postgresUnreachable}); CI=true requires it. ` +
        'Start PostgreSQL or point TEST_DATABASE_URL at one.',
    );
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix))
    throw new Error(`Database prefix "${prefix}" must be a lowercase identifier.`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on the test server's admin database. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
