import { parseDateTime } from './datetime.js';
import type { OrgStore } from './store.js';
import type { StoredRecord } from './table.js';

/**
 * Time-limited permission set assignments. Salesforce removes an assignment
 * when its ExpirationDate passes (Help: "Set Assignment Expiration Details for
 * Users in Permission Sets and Permission Set Groups": assigned users receive
 * the permissions "until the expiration date"). The emulator keeps an index of
 * the assignments that expire and deletes the due ones before it answers a call,
 * so a call never sees an expired assignment.
 */
interface ExpiryIndex {
  readonly expiresAt: Map<string, number>;
  next: number;
}

const indexes = new WeakMap<OrgStore, ExpiryIndex>();

function expiryOf(record: Readonly<StoredRecord>): number | undefined {
  const value = record.ExpirationDate;
  if (typeof value !== 'string' || value === '') return undefined;
  return parseDateTime(value)?.getTime();
}

function indexOf(store: OrgStore): ExpiryIndex {
  let index = indexes.get(store);
  if (index === undefined) {
    index = { expiresAt: new Map(), next: Number.POSITIVE_INFINITY };
    for (const record of store.table('PermissionSetAssignment').live.values()) {
      const at = expiryOf(record);
      if (at === undefined) continue;
      index.expiresAt.set(record.Id as string, at);
      if (at < index.next) index.next = at;
    }
    indexes.set(store, index);
  }
  return index;
}

/** Keeps the index right after an assignment is created, changed or deleted. */
export function trackAssignmentExpiry(
  store: OrgStore,
  record: Readonly<StoredRecord>,
  deleted = false,
): void {
  const index = indexOf(store);
  const id = record.Id as string;
  const at = deleted ? undefined : expiryOf(record);
  if (at === undefined) index.expiresAt.delete(id);
  else {
    index.expiresAt.set(id, at);
    if (at < index.next) index.next = at;
  }
}

/** Deletes every assignment whose expiry has passed; returns how many. */
export function expireAssignments(store: OrgStore): number {
  const index = indexOf(store);
  const now = store.now().getTime();
  if (now < index.next) return 0;
  let removed = 0;
  let next = Number.POSITIVE_INFINITY;
  for (const [id, at] of [...index.expiresAt]) {
    if (at <= now) {
      index.expiresAt.delete(id);
      if (store.deleteRaw('PermissionSetAssignment', id) !== undefined) removed += 1;
    } else if (at < next) next = at;
  }
  index.next = next;
  return removed;
}
