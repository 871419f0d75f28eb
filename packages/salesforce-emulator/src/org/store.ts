import type { IdRange, ObjectDescriptor, SObjectRecord, SoqlDataSource } from '../soql/types.js';
import { ORG_OBJECTS } from '../schema/index.js';
import type { ObjectDefinition } from '../schema/index.js';
import { toSalesforceDateTime } from './datetime.js';
import { IdMinter, toId18 } from './ids.js';
import { ObjectTable } from './table.js';
import type { FieldValue, StoredRecord } from './table.js';

/** Every live org in this process: usernames are unique across all of them, as across all Salesforce orgs. */
const liveOrgs = new Set<WeakRef<OrgStore>>();

/** True when some org in this process other than `except` already holds the username. */
export function usernameTakenElsewhere(username: string, except: OrgStore): boolean {
  for (const reference of liveOrgs) {
    const org = reference.deref();
    if (org === undefined) {
      liveOrgs.delete(reference);
      continue;
    }
    if (org !== except && org.userIdByUsername(username) !== undefined) return true;
  }
  return false;
}

export interface OrgStoreOptions {
  /** Two base-62 characters put in every Id after the key prefix; distinct orgs should differ. */
  readonly instanceCode?: string;
  /** The clock used for audit fields and rules; injectable for tests. */
  readonly now?: () => Date;
}

/**
 * The records of one emulated org, per object, with the indexes its rules need.
 * It is the `SoqlDataSource` the SOQL engine reads; writes that must honour
 * Salesforce's rules go through `OrgWriter`, not through this class.
 */
export class OrgStore implements SoqlDataSource {
  readonly ids: IdMinter;
  readonly now: () => Date;
  private readonly tables = new Map<string, ObjectTable>();
  private readonly tablesByPrefix = new Map<string, ObjectTable>();
  private readonly usersByUsername = new Map<string, string>();
  private organizationIdValue: string | undefined;

  constructor(options: OrgStoreOptions = {}, objects: readonly ObjectDefinition[] = ORG_OBJECTS) {
    this.ids = new IdMinter(options.instanceCode ?? '8d');
    this.now = options.now ?? (() => new Date());
    for (const definition of objects) {
      const table = new ObjectTable(definition);
      this.tables.set(definition.name.toLowerCase(), table);
      this.tablesByPrefix.set(definition.keyPrefix, table);
    }
    liveOrgs.add(new WeakRef(this));
  }

  /** Leaves the process-wide username registry (call when an org is discarded). */
  dispose(): void {
    for (const reference of liveOrgs) if (reference.deref() === this) liveOrgs.delete(reference);
  }

  get organizationId(): string {
    if (this.organizationIdValue === undefined) throw new Error('the org has no Organization record yet');
    return this.organizationIdValue;
  }

  describe(objectName: string): ObjectDescriptor | undefined {
    return this.tables.get(objectName.toLowerCase())?.definition;
  }

  definition(objectName: string): ObjectDefinition | undefined {
    return this.tables.get(objectName.toLowerCase())?.definition;
  }

  objectNames(): string[] {
    return [...this.tables.values()].map((table) => table.name);
  }

  table(objectName: string): ObjectTable {
    const table = this.tables.get(objectName.toLowerCase());
    if (table === undefined) throw new Error(`unknown object ${objectName}`);
    return table;
  }

  *scan(objectName: string, options: { includeDeleted: boolean }): Iterable<SObjectRecord> {
    const table = this.tables.get(objectName.toLowerCase());
    if (table === undefined) return;
    if (options.includeDeleted) {
      yield* table.live.values();
      yield* table.deleted.values();
      return;
    }
    yield* queried(table, table.live.values());
  }

  scanById(objectName: string, range: IdRange, descending: boolean): Iterable<SObjectRecord> {
    const table = this.tables.get(objectName.toLowerCase());
    if (table === undefined) return [];
    const rows = table.liveById();
    // The first row past the low bound, and the first past the high bound.
    const start = range.low ? firstAfter(rows, range.low.id, range.low.inclusive) : 0;
    const end = range.high ? firstAfter(rows, range.high.id, !range.high.inclusive) : rows.length;
    const inRange = function* (): Generator<StoredRecord> {
      for (let step = 0; step < end - start; step++)
        yield rows[descending ? end - 1 - step : start + step] as StoredRecord;
    };
    return queried(table, inRange());
  }

  getById(id: string): SObjectRecord | undefined {
    return this.locate(id)?.record;
  }

  /** The live row and its object for a 15- or 18-character Id. */
  locate(id: string): { table: ObjectTable; record: StoredRecord } | undefined {
    const id18 = toId18(id);
    if (id18 === undefined) return undefined;
    const table = this.tablesByPrefix.get(id18.slice(0, 3));
    const record = table?.live.get(id18);
    return table === undefined || record === undefined ? undefined : { table, record };
  }

  /** A row including soft-deleted ones (to tell ENTITY_IS_DELETED from NOT_FOUND). */
  locateDeleted(id: string): { table: ObjectTable; record: StoredRecord } | undefined {
    const id18 = toId18(id);
    if (id18 === undefined) return undefined;
    const table = this.tablesByPrefix.get(id18.slice(0, 3));
    const record = table?.deleted.get(id18);
    return table === undefined || record === undefined ? undefined : { table, record };
  }

  tableForPrefix(keyPrefix: string): ObjectTable | undefined {
    return this.tablesByPrefix.get(keyPrefix);
  }

  userIdByUsername(username: string): string | undefined {
    return this.usersByUsername.get(username.toLowerCase());
  }

  /**
   * Adds a row without running rules: for the generator and for rule side
   * effects. Unset fields are null (false for booleans); audit fields default to now.
   */
  insertRaw(objectName: string, values: Readonly<Record<string, FieldValue>>, id?: string): StoredRecord {
    const table = this.table(objectName);
    const record = table.blank();
    const stamp =
      typeof values.SystemModstamp === 'string' ? values.SystemModstamp : toSalesforceDateTime(this.now());
    if ('CreatedDate' in record) record.CreatedDate = stamp;
    if ('LastModifiedDate' in record) record.LastModifiedDate = stamp;
    record.SystemModstamp = stamp;
    Object.assign(record, values);
    record.Id = id ?? this.ids.next(table.definition.keyPrefix);
    table.add(record);
    if (table.name === 'User' && typeof record.Username === 'string') {
      this.usersByUsername.set(record.Username.toLowerCase(), record.Id);
    }
    if (table.name === 'Organization') this.organizationIdValue = record.Id;
    return record;
  }

  /** Changes a live row without rules, keeping indexes (and the username index) right. */
  updateRaw(record: StoredRecord, objectName: string, changes: Readonly<Record<string, FieldValue>>): void {
    const table = this.table(objectName);
    if (table.name === 'User' && 'Username' in changes && typeof record.Username === 'string') {
      this.usersByUsername.delete(record.Username.toLowerCase());
    }
    table.assign(record, changes);
    if (table.name === 'User' && typeof record.Username === 'string') {
      this.usersByUsername.set(record.Username.toLowerCase(), record.Id as string);
    }
  }

  deleteRaw(objectName: string, id: string): StoredRecord | undefined {
    return this.table(objectName).remove(id);
  }

  count(objectName: string): number {
    return this.table(objectName).live.size;
  }
}

/** The live rows `query` reads: archived activities are left out and returned only by queryAll. */
function queried(table: ObjectTable, rows: Iterable<StoredRecord>): Iterable<StoredRecord> {
  if (table.field('IsArchived') === undefined) return rows;
  return (function* unarchived() {
    for (const row of rows) if (row.IsArchived !== true) yield row;
  })();
}

/** The position of the first row whose Id is above `id` (at or above it with `inclusive`), by bisection. */
function firstAfter(rows: readonly StoredRecord[], id: string, inclusive: boolean): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const current = (rows[middle] as StoredRecord).Id as string;
    if (current < id || (!inclusive && current === id)) low = middle + 1;
    else high = middle;
  }
  return low;
}
