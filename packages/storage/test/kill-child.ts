/**
 * Child process for the crash test: starts writing an endless snapshot to the
 * Postgres database named on the command line, says LOADING once well into the
 * load, and keeps going until it is killed.
 */
import type { SyncItem } from '@accessledger/core';
import { openDatabase } from '../src/database.js';
import { SnapshotWriter } from '../src/writer/snapshot-writer.js';
import { account, grant, ref } from './fixtures.js';

const [url, connectionId, runId] = process.argv.slice(2);
if (!url || !connectionId || !runId)
  throw new Error('usage: kill-child.ts <database-url> <connection-id> <run-id>');

const db = await openDatabase({ engine: 'pg', url });
const permissionSet = ref('permission_set', '0PSKILL');

async function* endless(): AsyncIterable<SyncItem> {
  for (let index = 0; ; index += 1) {
    if (index === 20_000) process.stdout.write('LOADING\n');
    yield account(`KILL${index}`);
    yield grant(`KILL${index}`, permissionSet);
  }
}

await new SnapshotWriter(db, { batchRows: 1_000 }).write({
  connectionId: Number(connectionId),
  runId: Number(runId),
  items: endless(),
});
