import type { FieldDescriptor, SObjectRecord } from '../soql/types.js';
import type { ObjectDefinition } from '../schema/index.js';

export type FieldValue = string | number | boolean | null;
/** A stored row. Only the store mutates it; everything outside sees `SObjectRecord`. */
export type StoredRecord = Record<string, FieldValue>;

/**
 * The rows of one object plus value indexes on the foreign keys the rules need
 * (who holds what). Unique keys (duplicate detection) are answered from those
 * indexes, so a 500,000-row table carries no extra composite-key map. Indexes
 * are maintained here so no caller can forget them.
 */
export class ObjectTable {
  readonly live = new Map<string, StoredRecord>();
  readonly deleted = new Map<string, StoredRecord>();
  private readonly fieldsByLowerName = new Map<string, FieldDescriptor>();
  private readonly indexedFieldNames: readonly string[];
  private readonly valueIndexes: Map<string, string[]>[];
  private byId: StoredRecord[] | undefined;

  constructor(readonly definition: ObjectDefinition) {
    for (const fieldDescriptor of definition.fields) {
      this.fieldsByLowerName.set(fieldDescriptor.name.toLowerCase(), fieldDescriptor);
    }
    this.indexedFieldNames = definition.indexedFields;
    this.valueIndexes = definition.indexedFields.map(() => new Map<string, string[]>());
    for (const key of definition.uniqueKeys) {
      if (!key.some((name) => definition.indexedFields.includes(name))) {
        throw new Error(`${definition.name}: unique key ${key.join(', ')} needs an indexed field`);
      }
    }
  }

  get name(): string {
    return this.definition.name;
  }

  field(name: string): FieldDescriptor | undefined {
    return this.fieldsByLowerName.get(name.toLowerCase());
  }

  /** A record with every field present (null when unset, false for booleans), in descriptor order. */
  blank(): StoredRecord {
    const record: StoredRecord = {};
    for (const fieldDescriptor of this.definition.fields) {
      record[fieldDescriptor.name] = fieldDescriptor.type === 'boolean' ? false : null;
    }
    return record;
  }

  add(record: StoredRecord): void {
    const id = record.Id;
    if (typeof id !== 'string') throw new Error(`${this.name} record without an Id`);
    this.live.set(id, record);
    this.byId = undefined;
    this.indexInto(record, id);
  }

  /**
   * The live rows sorted by Id (Ids are unique, so their order is total), built when first asked for
   * after a row was added or removed: a query ordered by Id, or over a range of Ids, reads this
   * instead of sorting or scanning all 500,000 rows of a large object.
   */
  liveById(): readonly StoredRecord[] {
    this.byId ??= [...this.live.values()].sort((left, right) => {
      const a = left.Id as string;
      const b = right.Id as string;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    return this.byId;
  }

  /** Removes a live row; soft-deleting objects keep it for queryAll with IsDeleted = true. */
  remove(id: string): StoredRecord | undefined {
    const record = this.live.get(id);
    if (record === undefined) return undefined;
    this.live.delete(id);
    this.byId = undefined;
    this.unindex(record, id);
    if (this.definition.softDelete) {
      record.IsDeleted = true;
      this.deleted.set(id, record);
    }
    return record;
  }

  /** Applies changes to a live row, keeping indexes right. */
  assign(record: StoredRecord, changes: Readonly<Record<string, FieldValue>>): void {
    const id = record.Id as string;
    this.unindex(record, id);
    Object.assign(record, changes);
    this.indexInto(record, id);
  }

  /** The Id of the live row whose `fields` hold the same values as `values`, if any. */
  findUnique(fields: readonly string[], values: SObjectRecord, ignoreId?: string): string | undefined {
    let candidates: readonly string[] | undefined;
    for (const name of fields) {
      const position = this.indexedFieldNames.indexOf(name);
      if (position < 0) continue;
      const value = values[name];
      if (typeof value !== 'string') return undefined;
      const ids = this.valueIndexes[position]?.get(value) ?? NO_IDS;
      if (candidates === undefined || ids.length < candidates.length) candidates = ids;
    }
    if (candidates === undefined) throw new Error(`${this.name}: no indexed field in ${fields.join(', ')}`);
    for (const id of candidates) {
      if (id === ignoreId) continue;
      const row = this.live.get(id);
      if (row !== undefined && fields.every((name) => row[name] === values[name])) return id;
    }
    return undefined;
  }

  /** The unique key `candidate` would violate, as its field names. */
  conflicts(candidate: SObjectRecord, ignoreId?: string): readonly string[] | undefined {
    for (const fields of this.definition.uniqueKeys) {
      if (fields.some((name) => candidate[name] === null || candidate[name] === undefined)) continue;
      if (this.findUnique(fields, candidate, ignoreId) !== undefined) return fields;
    }
    return undefined;
  }

  /** Ids of live rows whose indexed `fieldName` equals `value`. */
  idsWhere(fieldName: string, value: string): readonly string[] {
    const position = this.indexedFieldNames.indexOf(fieldName);
    const index = this.valueIndexes[position];
    if (index === undefined) throw new Error(`${this.name}.${fieldName} is not indexed`);
    return index.get(value) ?? NO_IDS;
  }

  rowsWhere(fieldName: string, value: string): StoredRecord[] {
    const rows: StoredRecord[] = [];
    for (const id of this.idsWhere(fieldName, value)) {
      const row = this.live.get(id);
      if (row !== undefined) rows.push(row);
    }
    return rows;
  }

  private indexInto(record: StoredRecord, id: string): void {
    for (let position = 0; position < this.indexedFieldNames.length; position++) {
      const value = record[this.indexedFieldNames[position] as string];
      if (typeof value !== 'string') continue;
      const index = this.valueIndexes[position] as Map<string, string[]>;
      const ids = index.get(value);
      if (ids === undefined) index.set(value, [id]);
      else ids.push(id);
    }
  }

  private unindex(record: StoredRecord, id: string): void {
    for (let position = 0; position < this.indexedFieldNames.length; position++) {
      const value = record[this.indexedFieldNames[position] as string];
      if (typeof value !== 'string') continue;
      const ids = this.valueIndexes[position]?.get(value);
      const at = ids?.indexOf(id) ?? -1;
      if (ids !== undefined && at >= 0) ids.splice(at, 1);
    }
  }
}

const NO_IDS: readonly string[] = [];
