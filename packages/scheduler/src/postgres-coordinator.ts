import { randomUUID } from 'node:crypto';
import { InvalidInputError, TransientError } from '@accessledger/core';
import type { Knex } from 'knex';
import { defaultHolder } from './coordinator.js';
import type { ClaimRefusal, ClaimRequest, ClaimResult, Lease, RunCoordinator } from './coordinator.js';
import { SCHEDULER_LEASES_TABLE } from './tables.js';

interface LeaseRow {
  job_name: string;
  holder: string;
  lease_token: string;
  fire_at: Date;
  expires_at: Date;
}

/**
 * Coordinates replicas through the `scheduler_leases` table (one row per job;
 * run `schedulerMigrations` first). Every comparison uses the database clock
 * (`now()`), so replicas' clocks only matter for when their cron fires.
 *
 * Claiming is one `INSERT … ON CONFLICT (job_name) DO UPDATE … WHERE … RETURNING`:
 * Postgres locks the conflicting row and re-checks the `WHERE` against its
 * latest version, so of replicas racing for a fire exactly one gets a row back.
 *
 * @example
 * const coordinator = new PostgresRunCoordinator(knex);
 * const scheduler = new Scheduler({ coordinator, leaseMs: 60_000 });
 */
export class PostgresRunCoordinator implements RunCoordinator {
  readonly holder: string;

  constructor(
    private readonly knex: Knex,
    options: { holder?: string } = {},
  ) {
    this.holder = options.holder ?? defaultHolder();
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    assertLeaseMs(request.leaseMs);
    const manual = request.fireAt === 'now';
    const fireAtSql = manual ? 'now()' : '?::timestamptz';
    // A manual run may not move fire_at backwards (a later cron slot is already recorded);
    // a scheduled fire must be later than the last fire claimed, which is what makes it run once.
    const fireAtUpdate = manual ? 'greatest(leases.fire_at, excluded.fire_at)' : 'excluded.fire_at';
    const laterFire = manual ? '' : 'AND leases.fire_at < excluded.fire_at';
    const bindings: (string | number | Date)[] = [request.jobName, this.holder, randomUUID()];
    if (!manual) bindings.push(request.fireAt);
    bindings.push(request.leaseMs);
    const result = await this.query<LeaseRow>(
      `INSERT INTO ${SCHEDULER_LEASES_TABLE} AS leases
         (job_name, holder, lease_token, fire_at, claimed_at, expires_at, released_at)
       VALUES (?, ?, ?::uuid, ${fireAtSql}, now(), now() + (?::integer * interval '1 millisecond'), NULL)
       ON CONFLICT (job_name) DO UPDATE SET
         holder = excluded.holder,
         lease_token = excluded.lease_token,
         fire_at = ${fireAtUpdate},
         claimed_at = excluded.claimed_at,
         expires_at = excluded.expires_at,
         released_at = NULL
       WHERE (leases.released_at IS NOT NULL OR leases.expires_at <= now())
         ${laterFire}
       RETURNING job_name, holder, lease_token, fire_at, expires_at`,
      bindings,
      `claim the lease of job "${request.jobName}"`,
    );
    const row = result[0];
    if (row) return { claimed: true, lease: toLease(row, request.leaseMs) };
    return this.refusal(request);
  }

  async renew(lease: Lease): Promise<Lease | null> {
    // Only the token is checked: a lease past expires_at that nobody took over is still ours.
    const rows = await this.query<LeaseRow>(
      `UPDATE ${SCHEDULER_LEASES_TABLE}
          SET expires_at = now() + (?::integer * interval '1 millisecond')
        WHERE job_name = ? AND lease_token = ?::uuid AND released_at IS NULL
        RETURNING job_name, holder, lease_token, fire_at, expires_at`,
      [lease.leaseMs, lease.jobName, lease.token],
      `renew the lease of job "${lease.jobName}"`,
    );
    const row = rows[0];
    return row ? toLease(row, lease.leaseMs) : null;
  }

  async release(lease: Lease): Promise<void> {
    await this.query(
      `UPDATE ${SCHEDULER_LEASES_TABLE}
          SET released_at = now(), expires_at = least(expires_at, now())
        WHERE job_name = ? AND lease_token = ?::uuid`,
      [lease.jobName, lease.token],
      `release the lease of job "${lease.jobName}"`,
    );
  }

  /** Reads who holds the job now, to say why the claim was refused (informational: it may change at once). */
  private async refusal(request: ClaimRequest): Promise<ClaimResult> {
    const rows = await this.query<LeaseRow>(
      `SELECT job_name, holder, lease_token, fire_at, expires_at FROM ${SCHEDULER_LEASES_TABLE} WHERE job_name = ?`,
      [request.jobName],
      `read the lease of job "${request.jobName}"`,
    );
    const row = rows[0];
    const refusal: ClaimRefusal =
      request.fireAt === 'now' || (row !== undefined && toDate(row.fire_at) < request.fireAt)
        ? 'job-running-elsewhere'
        : 'fire-already-claimed';
    return {
      claimed: false,
      refusal,
      heldBy: row
        ? { holder: row.holder, fireAt: toDate(row.fire_at), expiresAt: toDate(row.expires_at) }
        : null,
    };
  }

  private async query<Row>(
    sql: string,
    bindings: readonly (string | number | Date)[],
    what: string,
  ): Promise<Row[]> {
    try {
      const result: unknown = await this.knex.raw(sql, bindings);
      return rowsOf<Row>(result);
    } catch (error) {
      if (isMissingTable(error)) {
        throw new TransientError(
          `Could not ${what}: table "${SCHEDULER_LEASES_TABLE}" does not exist. ` +
            'Run the scheduler migrations (schedulerMigrations) before starting the scheduler.',
          { hint: 'run migrations' },
          { cause: error },
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransientError(`Could not ${what}: ${reason}`, {}, { cause: error });
    }
  }
}

function assertLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new InvalidInputError(
      `leaseMs must be a positive whole number of milliseconds (got ${String(leaseMs)}).`,
    );
  }
}

/** `pg` answers `{ rows }`; knex-pglite answers the same shape. */
function rowsOf<Row>(result: unknown): Row[] {
  if (typeof result === 'object' && result !== null && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as Row[];
  }
  return [];
}

function isMissingTable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '42P01';
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function toLease(row: LeaseRow, leaseMs: number): Lease {
  return {
    jobName: row.job_name,
    holder: row.holder,
    token: row.lease_token,
    fireAt: toDate(row.fire_at),
    expiresAt: toDate(row.expires_at),
    leaseMs,
  };
}
