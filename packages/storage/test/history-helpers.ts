import type { SyncItem } from '@accessledger/core';
import type { Database } from '../src/database.js';
import { ConnectionStore } from '../src/connections.js';
import { SyncRunStore } from '../src/runs.js';
import { SnapshotWriter } from '../src/writer/snapshot-writer.js';
import type { WriteSnapshotResult } from '../src/writer/snapshot-writer.js';
import { stream } from './fixtures.js';

let connectionCounter = 0;

export async function createConnection(db: Database, name?: string): Promise<number> {
  connectionCounter += 1;
  const connection = await new ConnectionStore(db.knex).create({
    connectorId: 'salesforce',
    name: name ?? `org-${connectionCounter}-${Date.now()}`,
    config: { instanceUrl: 'https://example.my.salesforce.com' },
  });
  return connection.id;
}

/** Starts a run and writes one snapshot of `items`. */
export async function writeSnapshot(
  db: Database,
  connectionId: number,
  items: readonly SyncItem[] | AsyncIterable<SyncItem>,
  options: {
    takenAt?: Date;
    signal?: AbortSignal;
    batchRows?: number;
    inlineHashItems?: number;
    bulkLoadMinRows?: number;
    hashBatchItems?: number;
  } = {},
): Promise<WriteSnapshotResult & { runId: number }> {
  const run = await new SyncRunStore(db.knex).start({ connectionId, kind: 'sync' });
  const writer = new SnapshotWriter(db, {
    ...(options.batchRows ? { batchRows: options.batchRows } : {}),
    ...(options.inlineHashItems !== undefined ? { inlineHashItems: options.inlineHashItems } : {}),
    ...(options.bulkLoadMinRows !== undefined ? { bulkLoadMinRows: options.bulkLoadMinRows } : {}),
    ...(options.hashBatchItems !== undefined ? { hashBatchItems: options.hashBatchItems } : {}),
  });
  const result = await writer.write({
    connectionId,
    runId: run.id,
    items: Symbol.asyncIterator in items ? items : stream(items),
    ...(options.takenAt ? { takenAt: options.takenAt } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { ...result, runId: run.id };
}

export async function countRows(
  db: Database,
  table: string,
  where: Record<string, unknown> = {},
): Promise<number> {
  const [row] = await db.knex(table).where(where).count<{ count: string | number }[]>({ count: '*' });
  return Number(row?.count ?? 0);
}

/** Names of the writer's staging tables left in the database (none once every write has ended). */
export async function stagingTables(db: Database): Promise<string[]> {
  const found = await db.knex.raw<{ rows: { relname: string }[] }>(
    `SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'accessledger\\_staging\\_%' ORDER BY relname`,
  );
  return found.rows.map((row) => row.relname);
}
