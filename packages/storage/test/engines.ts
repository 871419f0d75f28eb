import { createScratchDatabase, postgresSuiteTitle, skipPostgres } from '@accessledger/test-postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase } from '../src/database.js';
import type { Database, Engine } from '../src/database.js';

/**
 * Runs a suite once per engine. The embedded engine always runs; the Postgres
 * variant runs when Postgres answers, fails in CI when it does not, and is
 * skipped with its reason in the title elsewhere.
 */

export interface EngineCase {
  readonly engine: Engine;
  readonly skip: boolean;
  readonly title: string;
}

export const engineCases: readonly EngineCase[] = [
  { engine: 'pglite', skip: false, title: 'pglite' },
  {
    engine: 'pg',
    skip: skipPostgres,
    title: postgresSuiteTitle('pg'),
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
  const scratch = await createScratchDatabase('accessledger_test');
  const db = await openDatabase({ engine: 'pg', url: scratch.url }, { migrate });
  return {
    db,
    url: scratch.url,
    dispose: async () => {
      await db.close();
      await scratch.drop();
    },
  };
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
