import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.js';
import { SchemaTooNewError } from '../errors.js';
import { MIGRATIONS_TABLE, Tables, VersionedTables, Views } from '../tables.js';
import { createTestDatabase, engineCases } from '../../test/engines.js';
import type { TestDatabase } from '../../test/engines.js';
import { checkSchema, migrateLatest, migrateRollbackAll, migrations } from './index.js';

describe('migration list', () => {
  it('names every migration YYYYMMDDHHMMSS_verb_noun, in order, each with a down', () => {
    const names = migrations.map((entry) => entry.name);
    for (const entry of migrations) {
      expect(entry.name).toMatch(/^\d{14}_[a-z]+(_[a-z]+)+$/);
      expect(typeof entry.migration.down).toBe('function');
    }
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });
});

for (const engineCase of engineCases) {
  describe.skipIf(engineCase.skip)(`migrations [${engineCase.title}]`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(engineCase.engine, { migrate: false });
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('migrates an empty database, rolls everything back and migrates again', async () => {
      const { knex } = database.db;
      expect((await checkSchema(knex)).pending).toHaveLength(migrations.length);
      expect(await migrateLatest(knex)).toEqual(migrations.map((entry) => entry.name));
      for (const table of [...Object.values(Tables), ...VersionedTables]) {
        expect(await knex.schema.hasTable(table)).toBe(true);
      }
      expect(await migrateLatest(knex)).toEqual([]);

      await migrateRollbackAll(knex);
      expect(await knex.schema.hasTable(Tables.connections)).toBe(false);
      const views = await knex.raw<{ rows: unknown[] }>(
        `SELECT 1 FROM information_schema.views WHERE table_name = ?`,
        [Views.currentGrants],
      );
      expect(views.rows).toHaveLength(0);

      await migrateLatest(knex);
      const status = await checkSchema(knex);
      expect(status.pending).toEqual([]);
      expect(status.databaseVersion).toBe(status.codeVersion);
    });

    it('stops with SchemaTooNewError naming both versions when the database is newer than the code', async () => {
      const { knex } = database.db;
      await migrateLatest(knex);
      await knex(MIGRATIONS_TABLE).insert({
        name: '20991231235959_add_future_thing',
        batch: 99,
        migration_time: new Date(),
      });
      try {
        const error = await migrateLatest(knex).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(SchemaTooNewError);
        const tooNew = error as SchemaTooNewError;
        expect(tooNew.databaseVersion).toBe('20991231235959_add_future_thing');
        expect(tooNew.codeVersion).toBe(migrations[migrations.length - 1]?.name);
        expect(tooNew.message).toContain('20991231235959_add_future_thing');
        expect(tooNew.message).toContain(tooNew.codeVersion);
        expect(tooNew.message).toMatch(/Upgrade accessledger/);
      } finally {
        await knex(MIGRATIONS_TABLE).where({ name: '20991231235959_add_future_thing' }).delete();
      }
    });
  });
}

describe('embedded database on disk', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'accessledger-storage-')), 'db');
  });
  afterAll(() => {
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('creates the data folder, keeps data across restarts and refuses a newer schema at open', async () => {
    const first = await openDatabase({ engine: 'pglite', dataDir }, { migrate: true });
    await first.knex(Tables.connections).insert({ connector_id: 'salesforce', name: 'kept' });
    await first.close();

    const reopened = await openDatabase({ engine: 'pglite', dataDir });
    const kept = await reopened
      .knex(Tables.connections)
      .where({ name: 'kept' })
      .first<{ connector_id: string }>();
    expect(kept?.connector_id).toBe('salesforce');
    await reopened
      .knex(MIGRATIONS_TABLE)
      .insert({ name: '20991231235959_add_future_thing', batch: 99, migration_time: new Date() });
    await reopened.close();

    await expect(openDatabase({ engine: 'pglite', dataDir })).rejects.toThrow(SchemaTooNewError);
  });
});
