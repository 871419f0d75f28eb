import { spawn } from 'node:child_process';
import type { SyncItem } from '@accessledger/core';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnexSnapshotStore } from '../history.js';
import { SyncRunStore } from '../runs.js';
import { Tables } from '../tables.js';
import { createTestDatabase, engineCases } from '../../test/engines.js';
import type { TestDatabase } from '../../test/engines.js';
import { account, grant, ref } from '../../test/fixtures.js';
import { countRows, createConnection, stagingTables, writeSnapshot } from '../../test/history-helpers.js';
import { openDatabase } from '../database.js';
import { TransientError } from '@accessledger/core';
import { MERGE_LOCK_NAMESPACE } from './snapshot-writer.js';

const pgCase = engineCases.find((engineCase) => engineCase.engine === 'pg');
if (!pgCase) throw new Error('The pg engine case is missing.');

const permissionSet = ref('permission_set', '0PS1');
const org = (prefix: string, size: number) =>
  Array.from({ length: size }, (_, index) => [
    account(`${prefix}${index}`),
    grant(`${prefix}${index}`, permissionSet),
  ]).flat();

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Gave up waiting for ${what}.`);
}

describe.skipIf(pgCase.skip)(`merges across processes and connections [${pgCase.title}]`, () => {
  let database: TestDatabase;
  let url: string;
  beforeAll(async () => {
    database = await createTestDatabase('pg');
    if (!database.url) throw new Error('A pg test database has a URL.');
    url = database.url;
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it('merges another connection while one connection is locked, and waits for its own lock', async () => {
    const { db } = database;
    const locked = await createConnection(db);
    const free = await createConnection(db);
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock($1, $2)', [MERGE_LOCK_NAMESPACE, locked]);

      let lockedSettled = false;
      const lockedWrite = writeSnapshot(db, locked, org('L', 50)).finally(() => {
        lockedSettled = true;
      });
      const freeWrite = await writeSnapshot(db, free, org('F', 50));
      expect(freeWrite.snapshot.versionsOpened).toBe(100);

      await until(async () => {
        const waiting = await blocker.query(
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2`,
          [MERGE_LOCK_NAMESPACE, locked],
        );
        return waiting.rowCount === 1;
      }, 'the locked connection to wait on its merge lock');
      expect(lockedSettled).toBe(false);

      await blocker.query('COMMIT');
      const lockedResult = await lockedWrite;
      expect(lockedResult.snapshot.versionsOpened).toBe(100);
    } finally {
      await blocker.end();
    }
  });

  it('serialises two concurrent syncs of one connection into two consistent snapshots', async () => {
    const { db } = database;
    const connectionId = await createConnection(db);
    const [first, second] = await Promise.all([
      writeSnapshot(db, connectionId, org('A', 300)),
      writeSnapshot(db, connectionId, org('B', 200)),
    ]);
    const later = first.snapshot.id > second.snapshot.id ? first : second;
    const expectedCurrent = later === first ? 300 : 200;
    expect(
      await db
        .knex(Tables.accounts)
        .where({ connection_id: connectionId })
        .whereNull('valid_to_snapshot_id')
        .count({ n: '*' }),
    ).toEqual([{ n: String(expectedCurrent) }]);
    expect(later.snapshot.versionsClosed).toBe(first === later ? 400 : 600);
  });

  it('keeps nothing of a sync whose process is killed with SIGKILL mid-load', async () => {
    const { db } = database;
    const connectionId = await createConnection(db);
    const before = await writeSnapshot(db, connectionId, org('K', 10));
    const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });

    const childUrl = new URL(url);
    childUrl.searchParams.set('application_name', 'accessledger-kill-child');
    const child = spawn(
      process.execPath,
      [
        '--conditions=@accessledger/source',
        '--import',
        'tsx',
        fileURLToPath(new URL('../../test/kill-child.ts', import.meta.url)),
        childUrl.toString(),
        String(connectionId),
        String(run.id),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('LOADING')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`The child exited (${code}) before loading: ${stderr}`)));
    });

    const loading = await db.knex.raw<{ rows: { state: string }[] }>(
      `SELECT state FROM pg_stat_activity WHERE application_name = 'accessledger-kill-child' AND datname = current_database()`,
    );
    // The load holds no transaction between COPY batches: the session is loading or idle, never idle in one.
    expect(loading.rows.map((row) => row.state)).toContainEqual(expect.stringMatching(/^(active|idle)$/));
    const killedRunTables = (await stagingTables(db)).filter((name) => name.includes(`_r${run.id}`));
    expect(killedRunTables.length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await until(async () => {
      const sessions = await db.knex.raw<{ rows: unknown[] }>(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'accessledger-kill-child'`,
      );
      return sessions.rows.length === 0;
    }, 'Postgres to end the killed session');

    expect((await new KnexSnapshotStore(db.knex).latestSnapshot(connectionId))?.id).toBe(before.snapshot.id);
    expect(await countRows(db, Tables.snapshots, { connection_id: connectionId })).toBe(1);
    const killedRows = await db.knex(Tables.accounts).where('external_id', 'like', 'KILL%').count({ n: '*' });
    expect(killedRows).toEqual([{ n: '0' }]);

    const runs = new SyncRunStore(db.knex);
    expect((await runs.get(run.id))?.status).toBe('running');
    expect(await runs.failAbandoned(new Date(Date.now() + 1_000))).toBeGreaterThanOrEqual(1);
    expect((await runs.get(run.id))?.error?.code).toBe('ABANDONED');

    const after = await writeSnapshot(db, connectionId, org('K', 10));
    expect(after.snapshot.versionsOpened + after.snapshot.versionsClosed).toBe(0);
    // The next write swept the staging tables the killed process left.
    expect(await stagingTables(db)).toEqual([]);
  });

  it('refuses to merge a sync whose current versions another process changed meanwhile, writing nothing', async () => {
    const { db } = database;
    const connectionId = await createConnection(db);
    await writeSnapshot(db, connectionId, org('C', 5));
    // A second handle stands for another process: writes through it do not queue behind this one's.
    const other = await openDatabase({ engine: 'pg', url });
    try {
      async function* slow(): AsyncIterable<SyncItem> {
        yield* org('C', 5);
        await writeSnapshot(other, connectionId, org('D', 3));
        yield account('C99');
      }
      const attempt = writeSnapshot(db, connectionId, slow());
      await expect(attempt).rejects.toThrow(TransientError);
      await expect(attempt).rejects.toThrow(/Run it again/);
      const current = await db
        .knex(Tables.accounts)
        .where({ connection_id: connectionId })
        .whereNull('valid_to_snapshot_id')
        .orderBy('external_id')
        .pluck('external_id');
      expect(current).toEqual(['D0', 'D1', 'D2']);
      expect(await stagingTables(db)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
