import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase } from '../src/database.js';
import type { Database, Engine } from '../src/database.js';

/**
 * Runs a suite once per engine. The embedded engine always runs; the Postgres
 * variant runs when Postgres answers, fails in CI when it does not, and is
 * skipped with its reason in the title elsewhere.
 */

export const adminUrl = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const inCi = process.env['CI'] === 'true';

async function probePostgres(): Promise<string | null> {
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

export const postgresUnreachable: string | null = await probePostgres();

export interface EngineCase {
  readonly engine: Engine;
  readonly skip: boolean;
  readonly title: string;
}

export const engineCases: readonly EngineCase[] = [
  { engine: 'pglite', skip: false, title: 'pglite' },
  {
    engine: 'pg',
    skip: postgresUnreachable !== null && !inCi,
    title:
      postgresUnreachable !== null && !inCi
        ? `pg (skipped: Postgres unreachable at ${adminUrl}: ${postgresUnreachable})`
        : 'pg',
  },
];

export interface TestDatabase {
  readonly db: Database;
  /** The database's URL on pg; null on the embedded engine. */
  readonly url: string | null;
  dispose(): Promise<void>;
}

/** A fresh, migrated database of its own: a new Postgres database or an in-memory PGlite. */
export async function createTestDatabase(
  engine: Engine,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (engine === 'pglite') {
    const db = await openDatabase({ engine: 'pglite', dataDir: null }, { migrate });
    return { db, url: null, dispose: () => db.close() };
  }
  if (postgresUnreachable !== null) {
    throw new Error(
      `Postgres is unreachable at ${adminUrl} (${postgresUnreachable}); CI=true requires it. ` +
        'Start Postgres or set TEST_DATABASE_URL.',
    );
  }
  const name = `accessledger_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ engine: 'pg', url: url.toString() }, { migrate });
  return {
    db,
    url: url.toString(),
    dispose: async () => {
      await db.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Registers one describe block per engine, each with its own database for the whole block. */
export function describeEachEngine(
  title: string,
  body: (database: () => TestDatabase, engine: Engine) => void,
): void {
  for (const engineCase of engineCases) {
    describe.skipIf(engineCase.skip)(`${title} [${engineCase.title}]`, () => {
      let current: TestDatabase | undefined;
      beforeAll(async () => {
        current = await createTestDatabase(engineCase.engine);
      });
      afterAll(async () => {
        await current?.dispose();
      });
      body(() => {
        if (!current) throw new Error('The test database is not open yet.');
        return current;
      }, engineCase.engine);
    });
  }
}
