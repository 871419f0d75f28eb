/**
 * Storage benchmark: writes a synthetic large org (50,000 accounts, ~600,000
 * grants) and prints throughput of a first snapshot, the time of an identical
 * second snapshot, the storage used after 30 snapshots with 1% churn each, and
 * the latency of as-of queries.
 *
 *   npm run bench:storage -- [--engine pg|pglite] [--accounts 50000] [--snapshots 30]
 *
 * pg uses TEST_DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres) and creates and
 * drops a database of its own; pglite writes to a temporary folder on disk.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '@accessledger/test-postgres';
import { median } from './statistics.js';
import type { EntitlementRef, SyncItem } from '@accessledger/core';
import {
  ConnectionStore,
  openDatabase,
  SnapshotWriter,
  SyncRunStore,
  Tables,
  VersionedTables,
  type Database,
} from '@accessledger/storage';

const { values: options } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    accounts: { type: 'string', default: '50000' },
    snapshots: { type: 'string', default: '30' },
  },
});
const engine = options.engine === 'pg' ? 'pg' : options.engine === 'pglite' ? 'pglite' : undefined;
if (!engine) throw new Error(`--engine must be pg or pglite, got "${options.engine}".`);
const accountCount = Number(options.accounts);
const snapshotCount = Number(options.snapshots);
if (!Number.isInteger(accountCount) || accountCount < 100)
  throw new Error('--accounts must be an integer >= 100.');
if (!Number.isInteger(snapshotCount) || snapshotCount < 2)
  throw new Error('--snapshots must be an integer >= 2.');

// Entitlement catalogue, sized like a large Salesforce org.
const catalogue = {
  profile: 40,
  role: 300,
  permission_set: 600,
  permission_set_group: 60,
  package_license: 25,
  public_group: 400,
} as const;
type CatalogueType = keyof typeof catalogue;
const refOf = (type: CatalogueType, index: number): EntitlementRef => ({
  type,
  externalId: `${type}-${String(index % catalogue[type]).padStart(4, '0')}`,
});

/** Deterministic 32-bit mix: the same inputs give the same org on every run. */
function mix(...parts: number[]): number {
  let value = 0x9e3779b9;
  for (const part of parts) {
    value = Math.imul(value ^ part, 0x85ebca6b);
    value ^= value >>> 13;
    value = Math.imul(value, 0xc2b2ae35);
    value ^= value >>> 16;
  }
  return value >>> 0;
}

/** In round r, 1% of accounts (those with `mix(i) % 100 === r % 100`) change; round 0 is the base org. */
const churned = (accountIndex: number, round: number) =>
  round > 0 && mix(accountIndex, 7) % 100 === round % 100;

async function* syntheticOrg(round: number): AsyncIterable<SyncItem> {
  for (const [type, count] of Object.entries(catalogue) as [CatalogueType, number][]) {
    for (let index = 0; index < count; index += 1) {
      const entitlementRef = refOf(type, index);
      yield {
        kind: 'entitlement',
        entitlement: {
          ...entitlementRef,
          name: `${type.replace(/_/g, ' ')} ${index}`,
          description: null,
          grantable: type !== 'profile',
          revocable: type !== 'profile',
          exclusive: type === 'profile' || type === 'role',
          attributes:
            type === 'package_license'
              ? { allowedLicenses: 5_000, namespacePrefix: `NS${index}`, status: 'Active' }
              : type === 'permission_set' || type === 'profile'
                ? { permissions: { ModifyAllData: index % 50 === 0, ApiEnabled: true } }
                : {},
        },
      };
    }
  }
  const created = new Date('2020-01-01T00:00:00Z');
  for (let index = 0; index < accountCount; index += 1) {
    const change = churned(index, round) ? round : 0;
    const externalId = `005${String(index).padStart(12, '0')}`;
    yield {
      kind: 'account',
      account: {
        externalId,
        username: `user${index}@bench.example.com`,
        email: `user${index}@bench.example.com`,
        displayName: `User ${index}`,
        status: mix(index, 1) % 20 === 0 ? 'inactive' : 'active',
        accountType: 'Standard',
        createdAt: created,
        attributes: {
          title: `Title ${mix(index, 2, change) % 200}`,
          department: `Dept ${mix(index, 3) % 30}`,
        },
      },
    };
    // ~12 grants per account: profile, role, 6 permission sets, a group of 3 permission sets, a license.
    const grants: { entitlement: EntitlementRef; via: EntitlementRef | null }[] = [
      { entitlement: refOf('profile', mix(index, 4)), via: null },
      { entitlement: refOf('role', mix(index, 5, change)), via: null },
      { entitlement: refOf('package_license', mix(index, 6)), via: null },
    ];
    for (let slot = 0; slot < 6; slot += 1) {
      grants.push({
        entitlement: refOf('permission_set', mix(index, 10 + slot, slot === 0 ? change : 0)),
        via: null,
      });
    }
    const group = refOf('permission_set_group', mix(index, 20));
    grants.push({ entitlement: group, via: null });
    for (let member = 0; member < 2; member += 1) {
      grants.push({
        entitlement: refOf('permission_set', mix(group.externalId.length, member, mix(index, 20) % 60)),
        via: group,
      });
    }
    for (const { entitlement, via } of grants) {
      yield {
        kind: 'grant',
        grant: {
          accountExternalId: externalId,
          entitlement,
          via,
          grantedAt: null,
          expiresAt: null,
          attributes: {},
        },
      };
    }
    yield {
      kind: 'activity',
      activity: {
        accountExternalId: externalId,
        lastActivityAt: new Date(Date.UTC(2026, 0, 1) + (mix(index, 30, change) % 10_000_000) * 1_000),
        source: 'User.LastLoginDate',
      },
    };
  }
}

async function openBenchDatabase(): Promise<{ db: Database; cleanup: () => Promise<void> }> {
  if (engine === 'pg') {
    const scratch = await createScratchDatabase('accessledger_bench');
    const db = await openDatabase({ engine: 'pg', url: scratch.url }, { migrate: true });
    return {
      db,
      cleanup: async () => {
        await db.close();
        await scratch.drop();
      },
    };
  }
  const folder = mkdtempSync(path.join(tmpdir(), 'accessledger-bench-'));
  const db = await openDatabase({ engine: 'pglite', dataDir: path.join(folder, 'db') }, { migrate: true });
  return {
    db,
    cleanup: async () => {
      await db.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

async function storageBytes(db: Database): Promise<number> {
  const tables = [...VersionedTables, Tables.snapshots];
  const result = await db.knex.raw<{ rows: { bytes: string | number }[] }>(
    `SELECT sum(pg_total_relation_size(t::regclass)) AS bytes FROM unnest(?::text[]) AS t`,
    [tables],
  );
  return Number(result.rows[0]?.bytes ?? 0);
}

/** The median of `times` runs' durations, in ms. */
async function medianTime(times: number, run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let attempt = 0; attempt < times; attempt += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * CPU seconds spent so far by this process and by the Postgres backends serving this database (read
 * from /proc when the server runs on this machine): on a shared machine wall time says how busy the
 * others were, CPU time what the work itself cost.
 */
async function cpuSeconds(db: Database): Promise<{ node: number; postgres: number | null }> {
  const usage = process.cpuUsage();
  const node = (usage.user + usage.system) / 1e6;
  if (db.engine !== 'pg') return { node, postgres: null };
  const backends = await db.knex.raw<{ rows: { pid: number }[] }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
  );
  let ticks = 0;
  for (const { pid } of backends.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      return { node, postgres: null };
    }
  }
  return { node, postgres: ticks / 100 };
}

function cpuText(before: { node: number; postgres: number | null }, after: typeof before): string {
  const node = after.node - before.node;
  const postgres =
    after.postgres !== null && before.postgres !== null ? after.postgres - before.postgres : null;
  return `CPU ${node.toFixed(1)} s node${postgres !== null ? ` + ${postgres.toFixed(1)} s postgres` : ''}`;
}

const { db, cleanup } = await openBenchDatabase();
try {
  const connection = await new ConnectionStore(db.knex).create({ connectorId: 'salesforce', name: 'bench' });
  const runs = new SyncRunStore(db.knex);
  const writer = new SnapshotWriter(db);
  const write = async (round: number) => {
    const run = await runs.start({ connectionId: connection.id, kind: 'sync' });
    const cpuBefore = await cpuSeconds(db);
    const started = performance.now();
    const { snapshot } = await writer.write({
      connectionId: connection.id,
      runId: run.id,
      items: syntheticOrg(round),
    });
    const seconds = (performance.now() - started) / 1000;
    return { snapshot, seconds, cpu: cpuText(cpuBefore, await cpuSeconds(db)) };
  };

  console.log(`engine ${engine} (${db.description}); ${accountCount} accounts; Node ${process.version}`);
  console.log(
    `load average at start: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} on ${availableParallelism()} cores`,
  );
  const first = await write(0);
  const items = Object.values(first.snapshot.counts).reduce((sum, count) => sum + count, 0);
  console.log(
    `first snapshot: ${items} items (${first.snapshot.counts.grants} grants) in ${first.seconds.toFixed(1)} s = ` +
      `${Math.round(items / first.seconds)} rows/s; ${first.cpu}; peak RSS ${mb(process.memoryUsage().rss)}`,
  );
  const oneSnapshotBytes = await storageBytes(db);
  console.log(`storage after one snapshot: ${mb(oneSnapshotBytes)}`);

  const second = await write(0);
  console.log(
    `second identical snapshot: ${second.seconds.toFixed(1)} s = ${((100 * second.seconds) / first.seconds).toFixed(1)}% of the first ` +
      `(target ≤ 15%); ${second.cpu}; versions opened ${second.snapshot.versionsOpened}, closed ${second.snapshot.versionsClosed}`,
  );

  // The synthetic stream costs time of its own (a real connector's is network time); how much of the
  // identical snapshot is the writer's own work.
  const streamStarted = performance.now();
  let streamed = 0;
  for await (const item of syntheticOrg(0)) if (item.kind) streamed += 1;
  const streamSeconds = (performance.now() - streamStarted) / 1000;
  console.log(
    `generating the ${streamed} synthetic items alone: ${streamSeconds.toFixed(1)} s; the writer's own part of the identical ` +
      `snapshot: ${(second.seconds - streamSeconds).toFixed(1)} s = ${((100 * (second.seconds - streamSeconds)) / first.seconds).toFixed(1)}% of the first`,
  );

  let churnSeconds = 0;
  let churnVersions = 0;
  for (let round = 1; round <= snapshotCount - 2; round += 1) {
    const churn = await write(round);
    churnSeconds += churn.seconds;
    churnVersions += churn.snapshot.versionsOpened;
  }
  const finalBytes = await storageBytes(db);
  console.log(
    `${snapshotCount} snapshots (${snapshotCount - 2} with 1% churn, avg ${(churnSeconds / Math.max(1, snapshotCount - 2)).toFixed(1)} s, ` +
      `${churnVersions} versions opened): storage ${mb(finalBytes)} = ${(finalBytes / oneSnapshotBytes).toFixed(2)}x one snapshot (target < 1.5x); ` +
      `peak RSS ${mb(process.memoryUsage().rss)}`,
  );

  const snapshots = await db
    .knex(Tables.snapshots)
    .where({ connection_id: connection.id })
    .orderBy('id')
    .select<{ id: unknown; taken_at: Date }[]>('id', 'taken_at');
  const middle = snapshots[Math.floor(snapshots.length / 2)];
  if (!middle) throw new Error('No snapshots were written.');
  const middleId = Number(middle.id);
  const at = new Date(new Date(middle.taken_at).getTime() + 1);
  const account = `005${String(Math.floor(accountCount / 3)).padStart(12, '0')}`;
  const queries: [string, () => Promise<unknown>][] = [
    [
      'count(*) of grants_as_of(snapshot)',
      () => db.knex.raw('SELECT count(*) FROM grants_as_of(?::bigint)', [middleId]),
    ],
    [
      "one account's grants as of a timestamp",
      () =>
        db.knex.raw('SELECT * FROM grants_as_of(?::bigint, ?::timestamptz) WHERE account_external_id = ?', [
          connection.id,
          at,
          account,
        ]),
    ],
    [
      'holders of one permission set as of a timestamp',
      () =>
        db.knex.raw(
          `SELECT account_external_id FROM grants_as_of(?::bigint, ?::timestamptz) WHERE entitlement_type = 'permission_set' AND entitlement_external_id = 'permission_set-0042'`,
          [connection.id, at],
        ),
    ],
    [
      'grant_changes between two snapshots',
      () => db.knex.raw('SELECT count(*) FROM grant_changes(?, ?)', [middleId - 1, middleId]),
    ],
  ];
  for (const [name, run] of queries) {
    console.log(`as-of query: ${name}: median ${(await medianTime(5, run)).toFixed(1)} ms`);
  }
} finally {
  await cleanup();
}
