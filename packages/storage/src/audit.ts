import type { JsonObject } from '@accessledger/core';
import type { Knex } from 'knex';
import { toAuditEntry } from './mapping.js';
import type { AuditEntry, AuditOutcome } from './model.js';
import type { ProvisioningAuditRow } from './rows.js';
import { Tables } from './tables.js';

export interface BeginAudit {
  readonly connectionId: number;
  readonly connectionName: string;
  readonly operation: string;
  readonly accountExternalId: string | null;
  readonly target: JsonObject;
  readonly dryRun: boolean;
  readonly osUser: string;
  readonly host: string;
}

export interface FinishAudit {
  readonly outcome: Exclude<AuditOutcome, 'running'>;
  readonly calls: readonly JsonObject[];
  readonly apiRequests?: number | null;
  readonly error?: { readonly code: string; readonly message: string } | null;
}

export interface AuditQuery {
  /** Only this connection's entries (by its name at the time). */
  readonly connectionName?: string;
  readonly since?: Date;
  readonly limit?: number;
}

/**
 * The provisioning audit trail: an entry is begun before an action's first
 * call (so that an action whose process died still shows, as `running`) and
 * finished once. The table refuses changes to finished entries and deletions.
 *
 * @example
 * const audit = new AuditStore(db.knex);
 * const id = await audit.begin({ connectionId, connectionName: 'acme', operation: 'grant', ... });
 * await audit.finish(id, { outcome: 'changed', calls: result.calls });
 */
export class AuditStore {
  constructor(private readonly knex: Knex) {}

  async begin(entry: BeginAudit): Promise<number> {
    const [row] = await this.knex<ProvisioningAuditRow>(Tables.provisioningAudit)
      .insert({
        connection_id: entry.connectionId,
        connection_name: entry.connectionName,
        operation: entry.operation,
        account_external_id: entry.accountExternalId,
        target: JSON.stringify(entry.target),
        dry_run: entry.dryRun,
        os_user: entry.osUser,
        host: entry.host,
      } as never)
      .returning('id');
    if (!row) throw new Error('INSERT … RETURNING returned no row.');
    return Number(row.id);
  }

  async finish(id: number, outcome: FinishAudit): Promise<void> {
    await this.knex(Tables.provisioningAudit)
      .where({ id, outcome: 'running' })
      .update({
        outcome: outcome.outcome,
        calls: JSON.stringify(outcome.calls),
        api_requests: outcome.apiRequests ?? null,
        error_code: outcome.error?.code ?? null,
        error_message: outcome.error?.message ?? null,
        finished_at: this.knex.raw('clock_timestamp()'),
      } as never);
  }

  /** Entries newest first. */
  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    let builder = this.knex<ProvisioningAuditRow>(Tables.provisioningAudit)
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit ?? 100);
    if (query.connectionName) builder = builder.where('connection_name', query.connectionName);
    if (query.since) builder = builder.where('started_at', '>=', query.since);
    return (await builder).map(toAuditEntry);
  }
}
