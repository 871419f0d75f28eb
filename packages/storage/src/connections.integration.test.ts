import { ConflictError, InvalidInputError, NotFoundError } from '@accessledger/core';
import { expect, it } from 'vitest';
import { ConnectionStore } from './connections.js';
import { SyncRunStore } from './runs.js';
import { Tables } from './tables.js';
import { describeEachEngine } from '../test/engines.js';
import { account } from '../test/fixtures.js';
import { countRows, writeSnapshot } from '../test/history-helpers.js';

describeEachEngine('ConnectionStore and SyncRunStore', (database) => {
  it('creates, finds, updates and deletes a connection with its whole history', async () => {
    const { db } = database();
    const connections = new ConnectionStore(db.knex);
    const created = await connections.create({
      connectorId: 'salesforce',
      name: 'crud-org',
      config: { instanceUrl: 'https://acme.my.salesforce.com', apiVersion: '63.0' },
      schedule: { sync: '0 2 * * *' },
    });
    expect(await connections.getByName('crud-org')).toEqual(created);
    const updated = await connections.update(created.id, {
      schedule: { sync: '0 3 * * *', activity: '0 * * * *' },
    });
    expect(updated.schedule).toEqual({ sync: '0 3 * * *', activity: '0 * * * *' });
    expect(updated.config).toEqual(created.config);

    await writeSnapshot(db, created.id, [account('005CRUD')]);
    expect(await connections.delete(created.id)).toBe(true);
    expect(await connections.delete(created.id)).toBe(false);
    expect(await connections.get(created.id)).toBeUndefined();
    expect(await countRows(db, Tables.accounts, { connection_id: created.id })).toBe(0);
    expect(await countRows(db, Tables.snapshots, { connection_id: created.id })).toBe(0);
  });

  it('refuses duplicate names, secret-shaped config keys and unknown ids with clear messages', async () => {
    const { db } = database();
    const connections = new ConnectionStore(db.knex);
    await connections.create({ connectorId: 'salesforce', name: 'dup-org' });
    await expect(connections.create({ connectorId: 'salesforce', name: 'dup-org' })).rejects.toThrow(
      ConflictError,
    );
    await expect(
      connections.create({
        connectorId: 'salesforce',
        name: 'leaky',
        config: { auth: { clientSecret: 'x' } },
      }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      connections.create({
        connectorId: 'salesforce',
        name: 'leaky',
        config: { auth: { clientSecret: 'x' } },
      }),
    ).rejects.toThrow(/config\.auth\.clientSecret looks like a secret/);
    await expect(connections.update(987_654, { name: 'x' })).rejects.toThrow(NotFoundError);
  });

  it('finishes a run exactly once, with counts, API usage and error', async () => {
    const { db } = database();
    const { id: connectionId } = await new ConnectionStore(db.knex).create({
      connectorId: 'salesforce',
      name: 'runs-org',
    });
    const runs = new SyncRunStore(db.knex);
    const run = await runs.start({ connectionId, kind: 'activity' });
    expect(run.status).toBe('running');
    expect(run.finishedAt).toBeNull();
    const failed = await runs.finish(run.id, {
      status: 'failed',
      error: { code: 'RATE_LIMITED', message: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.' },
      itemCounts: { activity: 12 },
      apiUsage: { requests: 40, dailyUsed: 14_990, dailyMax: 15_000 },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      itemCounts: { activity: 12 },
      apiUsage: { requests: 40, dailyUsed: 14_990, dailyMax: 15_000 },
      error: { code: 'RATE_LIMITED', message: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.' },
    });
    expect(failed.finishedAt?.getTime()).toBeGreaterThanOrEqual(failed.startedAt.getTime());
    await expect(runs.finish(run.id, { status: 'succeeded' })).rejects.toThrow(/already finished as failed/);
    await expect(runs.finish(123_456, { status: 'succeeded' })).rejects.toThrow(NotFoundError);
    expect((await runs.list(connectionId)).map((entry) => entry.id)).toEqual([run.id]);
  });

  it('marks runs abandoned by a dead process as failed', async () => {
    const { db } = database();
    const { id: connectionId } = await new ConnectionStore(db.knex).create({
      connectorId: 'salesforce',
      name: 'stale-org',
    });
    const runs = new SyncRunStore(db.knex);
    const stale = await runs.start({
      connectionId,
      kind: 'sync',
      startedAt: new Date(Date.now() - 86_400_000),
    });
    const fresh = await runs.start({ connectionId, kind: 'sync' });
    expect(await runs.failAbandoned(new Date(Date.now() - 3_600_000))).toBe(1);
    expect((await runs.get(stale.id))?.error?.code).toBe('ABANDONED');
    expect((await runs.get(fresh.id))?.status).toBe('running');
  });
});
