import { skipPostgres, postgresSuiteTitle } from '@accessledger/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/engines.js';
import { createConnection } from '../test/history-helpers.js';
import { SyncRunStore } from './runs.js';
import { RunnerLiveness } from './runner-liveness.js';

describe.skipIf(skipPostgres)(postgresSuiteTitle('abandoned runs on a server database'), () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pg');
  });
  afterAll(async () => database?.dispose());

  it("fails only the runs whose runner's liveness lock is free: a live replica's runs are left alone", async () => {
    const { db, url } = database;
    const runs = new SyncRunStore(db.knex);
    const connectionId = await createConnection(db);
    const alive = await RunnerLiveness.start(url as string);
    const dying = await RunnerLiveness.start(url as string);
    const kept = await runs.start({ connectionId, kind: 'sync', runnerKey: alive.key });
    const orphaned = await runs.start({ connectionId, kind: 'sync', runnerKey: dying.key });
    const unowned = await runs.start({ connectionId, kind: 'sync' });
    const later = new Date(Date.now() + 60_000);

    expect(await runs.failAbandoned(later, 'pg')).toBe(0);
    await dying.stop(); // what PostgreSQL does to the lock when the process dies
    expect(await runs.failAbandoned(later, 'pg')).toBe(1);
    expect(await runs.get(orphaned.id)).toMatchObject({ status: 'failed', error: { code: 'ABANDONED' } });
    expect((await runs.get(kept.id))?.status).toBe('running');
    expect((await runs.get(unowned.id))?.status).toBe('running');
    await alive.stop();
  });
});
