import type { ErrorInfo } from '@accessledger/core';
import { ConflictError, NotFoundError } from '@accessledger/core';
import type { Knex } from 'knex';
import { toSyncRun } from './mapping.js';
import type { ApiUsage, ItemCounts, RunError, SyncRun, SyncRunKind } from './model.js';
import type { SyncRunRow } from './rows.js';
import { RUNNER_LOCK_NAMESPACE } from './runner-liveness.js';
import { Tables } from './tables.js';

export interface StartRun {
  readonly connectionId: number;
  readonly kind: SyncRunKind;
  readonly startedAt?: Date;
  /** On a server database, the `RunnerLiveness.key` of the process running it. */
  readonly runnerKey?: number;
}

export type RunOutcome =
  | {
      readonly status: 'succeeded';
      readonly itemCounts?: Partial<ItemCounts>;
      readonly apiUsage?: ApiUsage | null;
    }
  | {
      readonly status: 'failed' | 'aborted';
      readonly error: RunError | ErrorInfo;
      readonly itemCounts?: Partial<ItemCounts>;
      readonly apiUsage?: ApiUsage | null;
    };

/** A connection whose latest sync runs all failed. */
export interface FailingConnection {
  readonly connection: string;
  readonly failures: number;
  readonly lastErrorCode: string | null;
}

/**
 * Records of every sync and activity run: started as `running`, finished
 * exactly once as `succeeded`, `failed` or `aborted`.
 */
export class SyncRunStore {
  constructor(private readonly knex: Knex) {}

  async start(input: StartRun): Promise<SyncRun> {
    const [row] = await this.knex<SyncRunRow>(Tables.syncRuns)
      .insert({
        connection_id: input.connectionId,
        kind: input.kind,
        status: 'running',
        ...(input.startedAt ? { started_at: input.startedAt } : {}),
        ...(input.runnerKey !== undefined ? { runner_key: input.runnerKey } : {}),
      } as never)
      .returning('*');
    if (!row) throw new Error('INSERT … RETURNING returned no row.');
    return toSyncRun(row);
  }

  /**
   * Finishes a running run. Pass `transaction` to finish it atomically with
   * other work (the snapshot writer finishes a succeeded run with its merge).
   */
  async finish(runId: number, outcome: RunOutcome, transaction?: Knex.Transaction): Promise<SyncRun> {
    const executor = transaction ?? this.knex;
    const [row] = await executor<SyncRunRow>(Tables.syncRuns)
      .where({ id: runId, status: 'running' })
      .update({
        status: outcome.status,
        finished_at: executor.raw('clock_timestamp()'),
        ...(outcome.itemCounts ? { item_counts: JSON.stringify(outcome.itemCounts) } : {}),
        ...(outcome.apiUsage ? { api_usage: JSON.stringify(outcome.apiUsage) } : {}),
        ...(outcome.status !== 'succeeded'
          ? { error_code: outcome.error.code, error_message: outcome.error.message }
          : {}),
      } as never)
      .returning('*');
    if (row) return toSyncRun(row);
    const existing = await this.get(runId, transaction);
    if (!existing) throw new NotFoundError(`Sync run ${runId} does not exist.`);
    throw new ConflictError(`Sync run ${runId} already finished as ${existing.status}; a run finishes once.`);
  }

  async get(runId: number, transaction?: Knex.Transaction): Promise<SyncRun | undefined> {
    const row = await (transaction ?? this.knex)<SyncRunRow>(Tables.syncRuns).where({ id: runId }).first();
    return row ? toSyncRun(row) : undefined;
  }

  /** The connection's runs, newest first. */
  async list(connectionId: number, options: { limit?: number } = {}): Promise<SyncRun[]> {
    const rows = await this.knex<SyncRunRow>(Tables.syncRuns)
      .where({ connection_id: connectionId })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 50);
    return rows.map(toSyncRun);
  }

  /**
   * Connections whose sync runs have failed at least `threshold` times in a
   * row: failed runs since the connection's last success (aborted runs neither
   * count nor break the streak). What the daemon's /healthz reports.
   */
  async failingConnections(threshold: number): Promise<FailingConnection[]> {
    const result = await this.knex.raw<{
      rows: { connection: string; failures: number; last_error_code: string | null }[];
    }>(
      `SELECT c.name AS connection, count(r.id)::int AS failures,
              (array_agg(r.error_code ORDER BY r.started_at DESC, r.id DESC))[1] AS last_error_code
         FROM ${Tables.connections} c
         JOIN ${Tables.syncRuns} r
           ON r.connection_id = c.id AND r.kind = 'sync' AND r.status = 'failed'
          AND r.started_at > coalesce(
                (SELECT max(s.started_at) FROM ${Tables.syncRuns} s
                  WHERE s.connection_id = c.id AND s.kind = 'sync' AND s.status = 'succeeded'),
                '-infinity')
        GROUP BY c.name
       HAVING count(r.id) >= ?
        ORDER BY c.name`,
      [threshold],
    );
    return result.rows.map((row) => ({
      connection: row.connection,
      failures: row.failures,
      lastErrorCode: row.last_error_code,
    }));
  }

  /**
   * Marks runs still `running` whose process died (kill -9, power loss) as
   * failed, and returns how many. On the embedded database (one process at a
   * time) that is every run started before `startedBefore`; on a server
   * database, the runs whose runner's liveness lock is free
   * (`RunnerLiveness`): another live replica's runs are left alone, and so are
   * runs recorded without a runner.
   */
  async failAbandoned(startedBefore: Date, engine: 'pg' | 'pglite' = 'pglite'): Promise<number> {
    const dead =
      engine === 'pglite'
        ? this.knex.raw('true')
        : this.knex.raw('runner_key IS NOT NULL AND pg_try_advisory_xact_lock(?, runner_key)', [
            RUNNER_LOCK_NAMESPACE,
          ]);
    return this.knex(Tables.syncRuns)
      .where('status', 'running')
      .andWhere('started_at', '<', startedBefore)
      .andWhere(dead)
      .update({
        status: 'failed',
        finished_at: this.knex.fn.now(),
        error_code: 'ABANDONED',
        error_message:
          'The process running this sync stopped before finishing it; nothing it loaded was kept.',
      });
  }
}
