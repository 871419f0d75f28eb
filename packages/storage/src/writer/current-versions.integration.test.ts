import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { describeEachEngine } from '../../test/engines.js';
import { account } from '../../test/fixtures.js';
import { createConnection, writeSnapshot } from '../../test/history-helpers.js';
import { CurrentVersions, markSeenIn, type PairInserter } from './current-versions.js';
import { WorkerHasher } from './item-hasher.js';

const seen = (versions: CurrentVersions, contentHash: Uint8Array): boolean =>
  markSeenIn(versions.table(), contentHash, 0);
import { itemHashes } from './encoded-batch.js';
import { stagedKind } from './staging.js';

describeEachEngine('CurrentVersions', (database, engine) => {
  it('reads every current version across pages and tells unchanged, changed and unseen apart', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const accounts = Array.from({ length: 10 }, (_, index) => account(`005P${index}`));
    await writeSnapshot(db, connectionId, accounts);

    await db.knex.transaction(async (trx) => {
      const whole = await CurrentVersions.load(trx, stagedKind('account'), connectionId, {
        pageRows: 3,
        engine,
        expected: 10,
      });
      // In slices of the key space read at once: the same versions.
      const sliced = await CurrentVersions.load(trx, stagedKind('account'), connectionId, {
        pageRows: 2,
        ranges: 5,
        engine,
        expected: 10,
      });
      expect([...sliced.unseenKeyHashes()].sort()).toEqual([...whole.unseenKeyHashes()].sort());
      expect(sliced.count).toBe(10);
      const versions = whole;
      expect(versions.count).toBe(10);
      for (const item of accounts.slice(0, 8))
        expect(seen(versions, itemHashes(item).contentHash)).toBe(true);
      expect(seen(versions, itemHashes(account('005P8', { displayName: 'renamed' })).contentHash)).toBe(
        false,
      );
      expect(seen(versions, itemHashes(account('005NEW')).contentHash)).toBe(false);

      const unseen = [...versions.unseenKeyHashes()].sort();
      const keyHashes = await trx('accounts')
        .where({ connection_id: connectionId })
        .whereIn('external_id', ['005P8', '005P9'])
        .select<{ key: string }[]>(trx.raw(`replace(key_hash::text, '-', '') AS key`));
      expect(unseen).toEqual(keyHashes.map((row) => row.key).sort());
    });
    // Outside a transaction (how a sync reads them): each slice on a pooled connection.
    const pooled = await CurrentVersions.load(db.knex, stagedKind('account'), connectionId, {
      pageRows: 4,
      ranges: 3,
      engine,
      expected: 10,
    });
    expect([...pooled.unseenKeyHashes()].length).toBe(10);
    // Sized from a hint (the latest snapshot's count): a hint too low still reads all.
    const hinted = await CurrentVersions.load(db.knex, stagedKind('account'), connectionId, {
      pageRows: 4,
      ranges: 2,
      engine,
      expected: 1,
    });
    expect(hinted.count).toBe(10);
    expect([...hinted.unseenKeyHashes()].sort()).toEqual([...pooled.unseenKeyHashes()].sort());
    const none = await CurrentVersions.load(db.knex, stagedKind('grant'), connectionId, {
      engine,
      expected: 0,
    });
    expect(none.count).toBe(0);
  });

  it('fills its table on the hashing thread to the same versions, a hint too low included', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    const accounts = Array.from({ length: 300 }, (_, index) => account(`005W${index}`));
    await writeSnapshot(db, connectionId, accounts);
    const here = await CurrentVersions.load(db.knex, stagedKind('account'), connectionId, {
      pageRows: 7,
      ranges: 3,
      engine,
      expected: 300,
    });
    const worker = new WorkerHasher();
    onTestFinished(() => worker.close());
    const pages: number[] = [];
    const inserter: PairInserter = (table, limit, pairs) => {
      pages.push(pairs.byteLength / 32);
      return worker.insert(table, limit, pairs);
    };
    for (const expected of [300, 5]) {
      // With a hint of 5 the thread has room for a few versions only: the rest is added here.
      const there = await CurrentVersions.load(db.knex, stagedKind('account'), connectionId, {
        pageRows: 7,
        ranges: 3,
        engine,
        expected,
        inserter,
      });
      expect(there.count).toBe(300);
      expect([...there.unseenKeyHashes()].sort()).toEqual([...here.unseenKeyHashes()].sort());
      for (const item of accounts) expect(seen(there, itemHashes(item).contentHash)).toBe(true);
      expect(seen(there, itemHashes(account('005NEW')).contentHash)).toBe(false);
    }
    expect(pages.length).toBeGreaterThan(40);
  });
});

describeEachEngine('CurrentVersions.load and the event loop', (database, engine) => {
  it('lets the event loop run between pages (the embedded engine answers in microtasks only)', async () => {
    const { db } = database();
    const connectionId = await createConnection(db);
    await writeSnapshot(
      db,
      connectionId,
      Array.from({ length: 40 }, (_, index) => account(`005E${index}`)),
    );
    // Sockets waiting to connect, timers and other readers need the loop: it must turn before the
    // last of 20 pages is read.
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    let turnedBeforeLastPage = false;
    const versions = await CurrentVersions.load(db.knex, stagedKind('account'), connectionId, {
      pageRows: 2,
      engine,
      expected: 40,
    }).finally(() => {
      turnedBeforeLastPage = turned;
    });
    expect(versions.count).toBe(40);
    expect(turnedBeforeLastPage).toBe(true);
  });
});

describe('CurrentVersions table', () => {
  const hash16 = (text: string) => createHash('sha256').update(text).digest().subarray(0, 16);

  it('grows when given more versions than it was sized for (another sync committed between count and read)', () => {
    const versions = CurrentVersions.empty(2);
    const pairs = Buffer.concat(
      Array.from({ length: 1_000 }, (_, index) =>
        Buffer.concat([hash16(`key ${index}`), hash16(`content ${index}`)]),
      ),
    );
    versions.addPairs(pairs);
    expect(versions.count).toBe(1_000);
    for (let index = 0; index < 990; index += 1)
      expect(seen(versions, hash16(`content ${index}`))).toBe(true);
    expect(seen(versions, hash16('content 1000'))).toBe(false);
    expect([...versions.unseenKeyHashes()].sort()).toEqual(
      Array.from({ length: 10 }, (_, index) => hash16(`key ${990 + index}`).toString('hex')).sort(),
    );
  });
});
