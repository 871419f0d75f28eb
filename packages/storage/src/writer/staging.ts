import type {
  Account,
  ActivityRecord,
  Entitlement,
  Grant,
  JsonObject,
  JsonValue,
  SyncItem,
  SyncItemKind,
} from '@accessledger/core';
import { InvalidInputError, entitlementKey } from '@accessledger/core';
import { Tables } from '../tables.js';
import type { VersionedTable } from '../tables.js';

/**
 * How each kind of sync item lands in its staging table: the columns it fills
 * (the same names as in its versioned table) and the COPY text of one item.
 * Staging rows also carry `seq` (arrival order), `key_hash` (which thing) and
 * `content_hash` (what it looks like), so that the merge compares 16-byte
 * values instead of whole rows.
 */
export interface StagedKind {
  readonly kind: SyncItemKind;
  readonly table: VersionedTable;
  readonly staging: string;
  /** Data columns shared by the staging and versioned table, with their SQL types. */
  readonly columns: readonly (readonly [name: string, type: string])[];
}

export const stagedKinds: readonly StagedKind[] = [
  {
    kind: 'account',
    table: Tables.accounts,
    staging: 'accessledger_staging_accounts',
    columns: [
      ['external_id', 'text'],
      ['username', 'text'],
      ['email', 'text'],
      ['display_name', 'text'],
      ['status', 'text'],
      ['account_type', 'text'],
      ['account_created_at', 'timestamptz'],
      ['attributes', 'jsonb'],
    ],
  },
  {
    kind: 'entitlement',
    table: Tables.entitlements,
    staging: 'accessledger_staging_entitlements',
    columns: [
      ['type', 'text'],
      ['external_id', 'text'],
      ['name', 'text'],
      ['description', 'text'],
      ['grantable', 'boolean'],
      ['revocable', 'boolean'],
      ['exclusive', 'boolean'],
      ['attributes', 'jsonb'],
    ],
  },
  {
    kind: 'grant',
    table: Tables.grants,
    staging: 'accessledger_staging_grants',
    columns: [
      ['account_external_id', 'text'],
      ['entitlement_type', 'text'],
      ['entitlement_external_id', 'text'],
      ['via_type', 'text'],
      ['via_external_id', 'text'],
      ['granted_at', 'timestamptz'],
      ['expires_at', 'timestamptz'],
      ['attributes', 'jsonb'],
    ],
  },
  {
    kind: 'activity',
    table: Tables.activity,
    staging: 'accessledger_staging_activity',
    columns: [
      ['account_external_id', 'text'],
      ['source', 'text'],
      ['last_activity_at', 'timestamptz'],
    ],
  },
];

const kindsByName = new Map(stagedKinds.map((staged) => [staged.kind, staged]));

export function stagedKind(kind: SyncItemKind): StagedKind {
  const found = kindsByName.get(kind);
  if (!found) throw new InvalidInputError(`Unknown sync item kind "${kind}"; expected ${kindNames()}.`);
  return found;
}

function kindNames(): string {
  return stagedKinds.map((candidate) => candidate.kind).join(', ');
}

/** Every staging column in COPY order. */
export function stagingColumns(kind: StagedKind): string[] {
  return ['seq', 'key_hash', 'content_hash', ...kind.columns.map(([name]) => name)];
}

/**
 * The staging tables of one run: ordinary UNLOGGED tables named after the run,
 * so that the load runs outside any transaction (each COPY batch commits on
 * its own and a sync holds no connection between batches) and only the merge
 * is one transaction. UNLOGGED: staged rows are throwaway, they need no WAL.
 * A run that never merged has its tables dropped by `dropStaging`, or, when
 * its process died, by the next write's sweep.
 */
export function stagingTable(kind: StagedKind, runId: number): string {
  return `${kind.staging}_r${Math.trunc(runId)}`;
}

/** Key hashes of current versions to close, staged per kind and run. */
export function vanishedTable(kind: StagedKind, runId: number): string {
  return `${stagingTable(kind, runId)}_vanished`;
}

/** Which run a staging table belongs to, or undefined when the name is not a staging table's. */
export function stagingRunId(tableName: string): number | undefined {
  const match = STAGING_NAME.exec(tableName);
  return match ? Number(match[1]) : undefined;
}

const STAGING_NAME = /^accessledger_staging_[a-z]+_r(\d+)(?:_vanished)?$/;

/** The LIKE pattern every staging table name matches. */
export const STAGING_NAME_PATTERN = 'accessledger\\_staging\\_%';

/**
 * Staging columns have their versioned table's types, so that COPY parses
 * jsonb and timestamps while the stream is still being read (on PostgreSQL, in
 * a server process beside this one) and the merge only moves values. Only new
 * and changed items are staged (the hasher skips current ones), so nothing is
 * parsed that the merge would not insert. Staging them as text and casting in
 * the merge made a first snapshot's merge of a million grants 0.6 s longer.
 */
export function stagingDdl(kind: StagedKind, runId: number): string {
  const columns = kind.columns.map(([name, type]) => `${name} ${type}`).join(', ');
  return `CREATE UNLOGGED TABLE ${stagingTable(kind, runId)} (seq bigint NOT NULL, key_hash uuid NOT NULL, content_hash uuid NOT NULL, ${columns}) WITH (autovacuum_enabled = false)`;
}

export function vanishedDdl(kind: StagedKind, runId: number): string {
  return `CREATE UNLOGGED TABLE ${vanishedTable(kind, runId)} (key_hash uuid NOT NULL) WITH (autovacuum_enabled = false)`;
}

/** One data column's value before COPY encoding. */
export type CopyValue = string | boolean | Date | null;

/**
 * Receives one item as it is staged: its key (unescaped), then its data
 * columns in COPY order. `EncodedBatch` writes both as bytes, so that an item
 * becomes no intermediate column strings or arrays.
 */
export interface StagedItemSink {
  /** The item's key, which identifies the thing within its kind; data columns follow. */
  key(text: string): void;
  /** The next data column. */
  column(value: CopyValue): void;
  /** The next data column: a JSON object as `canonicalJson` writes it. */
  json(value: JsonObject): void;
  /**
   * A whole grant, checked: its key (`grantKey`) and its columns, exactly as `key` and `column` would
   * write them. One call instead of ten: a sync writes a million grants.
   */
  grant(grant: Grant, grantedAt: Date | null, expiresAt: Date | null): void;
}

/** Writes an item's key and data columns to `sink`, checking its identifying fields; returns its kind. */
export function writeStaged(item: SyncItem, sink: StagedItemSink): StagedKind {
  switch (item.kind) {
    case 'account':
      writeAccount(item.account, sink);
      return ACCOUNT;
    case 'entitlement':
      writeEntitlement(item.entitlement, sink);
      return ENTITLEMENT;
    case 'grant':
      writeGrant(item.grant, sink);
      return GRANT;
    case 'activity':
      writeActivity(item.activity, sink);
      return ACTIVITY;
    default:
      return unreachable(item);
  }
}

const ACCOUNT = stagedKind('account');
const ENTITLEMENT = stagedKind('entitlement');
const GRANT = stagedKind('grant');
const ACTIVITY = stagedKind('activity');

function unreachable(item: never): never {
  throw new InvalidInputError(`Unknown sync item ${JSON.stringify(item)}; expected ${kindNames()}.`);
}

const accountStatuses = new Set(['active', 'suspended', 'inactive']);

function writeAccount(account: Account, sink: StagedItemSink): void {
  requireText(account.externalId, 'account.externalId', account);
  requireText(account.username, 'account.username', account);
  if (!accountStatuses.has(account.status)) {
    throw new InvalidInputError(
      `Account ${account.externalId} has status "${String(account.status)}"; expected active, suspended or inactive.`,
    );
  }
  sink.key(account.externalId);
  sink.column(account.externalId);
  sink.column(account.username);
  sink.column(account.email ?? null);
  sink.column(account.displayName ?? '');
  sink.column(account.status);
  sink.column(account.accountType ?? null);
  sink.column(optionalDate(account.createdAt, 'account.createdAt', account.externalId));
  sink.json(account.attributes ?? {});
}

function writeEntitlement(entitlement: Entitlement, sink: StagedItemSink): void {
  requireText(entitlement.type, 'entitlement.type', entitlement);
  requireText(entitlement.externalId, 'entitlement.externalId', entitlement);
  sink.key(entitlementKey(entitlement));
  sink.column(entitlement.type);
  sink.column(entitlement.externalId);
  sink.column(entitlement.name ?? '');
  sink.column(entitlement.description ?? null);
  sink.column(Boolean(entitlement.grantable));
  sink.column(Boolean(entitlement.revocable));
  sink.column(Boolean(entitlement.exclusive));
  sink.json(entitlement.attributes ?? {});
}

function writeGrant(grant: Grant, sink: StagedItemSink): void {
  requireText(grant.accountExternalId, 'grant.accountExternalId', grant);
  requireText(grant.entitlement?.type, 'grant.entitlement.type', grant);
  requireText(grant.entitlement.externalId, 'grant.entitlement.externalId', grant);
  if (grant.via) {
    requireText(grant.via.type, 'grant.via.type', grant);
    requireText(grant.via.externalId, 'grant.via.externalId', grant);
  }
  const grantedAt = optionalDate(grant.grantedAt, 'grant.grantedAt', grant.accountExternalId);
  const expiresAt = optionalDate(grant.expiresAt, 'grant.expiresAt', grant.accountExternalId);
  sink.grant(grant, grantedAt, expiresAt);
}

function writeActivity(activity: ActivityRecord, sink: StagedItemSink): void {
  requireText(activity.accountExternalId, 'activity.accountExternalId', activity);
  requireText(activity.source, 'activity.source', activity);
  const lastActivityAt = optionalDate(
    activity.lastActivityAt,
    'activity.lastActivityAt',
    activity.accountExternalId,
  );
  sink.key(`${activity.accountExternalId}\u0000${activity.source}`);
  sink.column(activity.accountExternalId);
  sink.column(activity.source);
  sink.column(lastActivityAt);
}

function requireText(value: unknown, field: string, item: object): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInputError(
      `Sync item field ${field} must be a non-empty string, got ${JSON.stringify(value)} in ${truncate(JSON.stringify(item))}. ` +
        `This is a connector bug: every item needs its identifying fields.`,
      { fields: [field] },
    );
  }
}

function optionalDate(value: Date | null | undefined, field: string, owner: string): Date | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidInputError(`Sync item field ${field} of ${owner} must be a valid Date or null.`, {
      fields: [field],
    });
  }
  return value;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** JSON with object keys sorted, so that equal attributes hash equally whatever order the connector built them in. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return isCanonical(value) ? JSON.stringify(value) : sortedJson(value);
  }
  // Most attributes are flat objects (scalars only): the native serialiser writes them canonically
  // as they are when their keys come sorted (connectors should build them so), or copied in sorted
  // order, several times faster than building the text here. Nested ones take the general path.
  const keys = Object.keys(value);
  let sorted = true;
  for (let index = 0; index < keys.length; index += 1) {
    const entry = value[keys[index] ?? ''];
    if (typeof entry === 'object' && entry !== null) {
      return isCanonical(value) ? JSON.stringify(value) : sortedJson(value);
    }
    if (index > 0 && !((keys[index - 1] ?? '') < (keys[index] ?? ''))) sorted = false;
  }
  if (sorted) return JSON.stringify(value);
  // An object puts integer-like keys first whatever the insertion order: those take the general path.
  if (keys.some((key) => key.charCodeAt(0) <= 0x39)) return sortedJson(value);
  const ordered: Record<string, JsonValue> = {};
  for (const key of keys.sort()) ordered[key] = value[key] as JsonValue;
  return JSON.stringify(ordered);
}

function sortedJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (!Array.isArray(value) && Object.keys(value).length === 0) return '{}';
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const entry = value[key];
    if (entry !== undefined) parts.push(`${JSON.stringify(key)}:${sortedJson(entry)}`);
  }
  return `{${parts.join(',')}}`;
}

/** True when JSON.stringify already writes `value` canonically: every object's keys in sorted order. */
function isCanonical(value: JsonValue): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const entry of value) if (entry === undefined || !isCanonical(entry)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) return false;
    // Sorted as Array.prototype.sort() sorts strings: by UTF-16 code units.
    if (previous !== undefined && !(previous < key)) return false;
    const entry = value[key];
    if (entry !== undefined && !isCanonical(entry)) return false;
    previous = key;
  }
  return true;
}

export function copyValueText(value: string | boolean | Date): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return value.toISOString();
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: NULL is `\N`; backslash, tab, newline and carriage return are escaped. */
export function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  const text = copyValueText(value);
  if (!COPY_SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (character) => {
    switch (character) {
      case '\\':
        return '\\\\';
      case '\t':
        return '\\t';
      case '\n':
        return '\\n';
      default:
        return '\\r';
    }
  });
}
