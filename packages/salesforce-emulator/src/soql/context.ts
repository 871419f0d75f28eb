import type { RecordGraph, Schema } from './schema.js';
import type { Statement } from './statement.js';
import type { ObjectDescriptor, SObjectRecord, SoqlDataSource } from './types.js';

/** Everything compiling one statement needs; built once per `runSoql` call. */
export interface CompileContext {
  readonly schema: Schema;
  readonly statement: Statement;
  readonly graph: RecordGraph;
  readonly source: SoqlDataSource;
  readonly includeDeleted: boolean;
  readonly apiVersion: string;
  /** The instant date literals (TODAY, LAST_N_DAYS:n) are evaluated against, in UTC. */
  readonly now: Date;
}

/** The object a (sub)query reads, and how the statement may prefix its fields. */
export interface QueryScope {
  readonly object: ObjectDescriptor;
  /** `u` in `FROM User u`. */
  readonly alias?: string;
}

export type RowPredicate = (row: SObjectRecord) => boolean;
