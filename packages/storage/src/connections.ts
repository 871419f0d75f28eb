import type { JsonObject } from '@accessledger/core';
import { ConflictError, InvalidInputError, NotFoundError } from '@accessledger/core';
import type { Knex } from 'knex';
import { affectedRows } from './affected-rows.js';
import { toConnection } from './mapping.js';
import type { Connection, ConnectionSchedule } from './model.js';
import type { ConnectionRow } from './rows.js';
import { Tables, VersionedTables } from './tables.js';

export interface NewConnection {
  readonly connectorId: string;
  readonly name: string;
  /** Non-secret settings only; secrets go through `DatabaseCredentialStore`. */
  readonly config?: JsonObject;
  readonly schedule?: ConnectionSchedule | null;
}

export interface ConnectionPatch {
  readonly name?: string;
  readonly config?: JsonObject;
  readonly schedule?: ConnectionSchedule | null;
}

const SECRET_SHAPED_KEY = /secret|password|token|private.?key|passphrase/i;
const UNIQUE_VIOLATION = '23505';

/** Configured connections (one per application instance). */
export class ConnectionStore {
  constructor(private readonly knex: Knex) {}

  async create(input: NewConnection): Promise<Connection> {
    assertNoSecrets(input.config ?? {}, 'config');
    try {
      const [row] = await this.knex<ConnectionRow>(Tables.connections)
        .insert({
          connector_id: input.connectorId,
          name: input.name,
          config: JSON.stringify(input.config ?? {}),
          schedule: input.schedule ? JSON.stringify(input.schedule) : null,
        } as never)
        .returning('*');
      if (!row) throw new Error('INSERT … RETURNING returned no row.');
      return toConnection(row);
    } catch (error) {
      if (isPgError(error, UNIQUE_VIOLATION)) {
        throw new ConflictError(
          `A connection named "${input.name}" already exists; pick another name.`,
          {},
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  async get(id: number): Promise<Connection | undefined> {
    const row = await this.knex<ConnectionRow>(Tables.connections).where({ id }).first();
    return row ? toConnection(row) : undefined;
  }

  async getByName(name: string): Promise<Connection | undefined> {
    const row = await this.knex<ConnectionRow>(Tables.connections).where({ name }).first();
    return row ? toConnection(row) : undefined;
  }

  async list(): Promise<Connection[]> {
    const rows = await this.knex<ConnectionRow>(Tables.connections).select('*').orderBy('id');
    return rows.map(toConnection);
  }

  async update(id: number, patch: ConnectionPatch): Promise<Connection> {
    if (patch.config) assertNoSecrets(patch.config, 'config');
    const changes: Record<string, unknown> = { updated_at: this.knex.fn.now() };
    if (patch.name !== undefined) changes['name'] = patch.name;
    if (patch.config !== undefined) changes['config'] = JSON.stringify(patch.config);
    if (patch.schedule !== undefined)
      changes['schedule'] = patch.schedule ? JSON.stringify(patch.schedule) : null;
    const [row] = await this.knex<ConnectionRow>(Tables.connections)
      .where({ id })
      .update(changes as never)
      .returning('*');
    if (!row) throw new NotFoundError(`Connection ${id} does not exist; list connections to find its id.`);
    return toConnection(row);
  }

  /** Deletes the connection with its credentials, runs and whole history. */
  async delete(id: number): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      for (const table of VersionedTables) await trx(table).where({ connection_id: id }).delete();
      return affectedRows(await trx(Tables.connections).where({ id }).delete()) > 0;
    });
  }
}

function assertNoSecrets(config: JsonObject, path: string): void {
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_SHAPED_KEY.test(key)) {
      throw new InvalidInputError(
        `Connection ${path}.${key} looks like a secret; store it with the connection's credential store ` +
          `(encrypted) instead of its plain configuration.`,
        { fields: [`${path}.${key}`] },
      );
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      assertNoSecrets(value, `${path}.${key}`);
    }
  }
}

export function isPgError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
