import type { JsonObject } from '@accessledger/core';

/**
 * Rows as the database returns them (snake_case). bigint columns arrive as
 * strings from `pg` and as numbers from PGlite, hence `Int8`; mapping.ts turns
 * every row into its domain type in one place.
 */
export type Int8 = string | number | bigint;

export interface ConnectionRow {
  id: Int8;
  connector_id: string;
  name: string;
  config: JsonObject;
  schedule: JsonObject | null;
  created_at: Date;
  updated_at: Date;
}

export interface CredentialRow {
  connection_id: Int8;
  name: string;
  ciphertext: Uint8Array;
  key_fingerprint: string;
}

export interface SyncRunRow {
  id: Int8;
  connection_id: Int8;
  kind: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  item_counts: JsonObject;
  api_usage: JsonObject | null;
  error_code: string | null;
  error_message: string | null;
}

export interface SnapshotRow {
  id: Int8;
  connection_id: Int8;
  sync_run_id: Int8;
  taken_at: Date;
  account_count: number;
  entitlement_count: number;
  grant_count: number;
  activity_count: number;
  versions_opened: number;
  versions_closed: number;
}

export interface HeldGrantRow {
  account_external_id: string;
  entitlement_type: string;
  entitlement_external_id: string;
  entitlement_name: string | null;
  via_type: string | null;
  via_external_id: string | null;
  via_name: string | null;
  granted_at: Date | null;
  expires_at: Date | null;
  attributes: JsonObject;
  held_since: Date;
}

export interface GrantChangeRow {
  change: string;
  account_external_id: string;
  entitlement_type: string;
  entitlement_external_id: string;
  via_type: string | null;
  via_external_id: string | null;
  before_attributes: JsonObject | null;
  after_attributes: JsonObject | null;
}

export interface AccountChangeRow {
  change: string;
  external_id: string;
  username: string;
  before_status: string | null;
  after_status: string | null;
}

export interface EntitlementChangeRow {
  change: string;
  type: string;
  external_id: string;
  before_name: string | null;
  after_name: string | null;
  before_attributes: JsonObject | null;
  after_attributes: JsonObject | null;
}

export interface TimelineRow {
  taken_at: Date;
  snapshot_id: Int8;
  event: string;
  entitlement_type: string | null;
  entitlement_external_id: string | null;
  entitlement_name: string | null;
  via_type: string | null;
  via_external_id: string | null;
  details: JsonObject;
}

export interface ProvisioningAuditRow {
  id: Int8;
  connection_id: Int8;
  connection_name: string;
  operation: string;
  account_external_id: string | null;
  target: JsonObject;
  dry_run: boolean;
  outcome: string;
  calls: JsonObject[];
  api_requests: number | null;
  error_code: string | null;
  error_message: string | null;
  os_user: string;
  host: string;
  started_at: Date;
  finished_at: Date | null;
}
