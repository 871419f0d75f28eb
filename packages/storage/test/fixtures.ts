import type {
  Account,
  ActivityRecord,
  Entitlement,
  EntitlementRef,
  Grant,
  JsonObject,
  SyncItem,
} from '@accessledger/core';

/** Small builders for sync items, so that tests say only what matters to them. */

export function account(externalId: string, overrides: Partial<Account> = {}): SyncItem {
  return {
    kind: 'account',
    account: {
      externalId,
      username: `${externalId}@example.com`,
      email: `${externalId}@example.com`,
      displayName: externalId,
      status: 'active',
      accountType: 'Standard',
      createdAt: new Date('2024-01-01T00:00:00Z'),
      attributes: {},
      ...overrides,
    },
  };
}

export function entitlement(
  type: string,
  externalId: string,
  name: string,
  attributes: JsonObject = {},
  overrides: Partial<Entitlement> = {},
): SyncItem {
  return {
    kind: 'entitlement',
    entitlement: {
      type,
      externalId,
      name,
      description: null,
      grantable: type !== 'profile',
      revocable: type !== 'profile',
      exclusive: type === 'profile' || type === 'role',
      attributes,
      ...overrides,
    },
  };
}

export function grant(
  accountExternalId: string,
  entitlementRef: EntitlementRef,
  via: EntitlementRef | null = null,
  overrides: Partial<Grant> = {},
): SyncItem {
  return {
    kind: 'grant',
    grant: {
      accountExternalId,
      entitlement: entitlementRef,
      via,
      grantedAt: null,
      expiresAt: null,
      attributes: {},
      ...overrides,
    },
  };
}

export function activity(
  accountExternalId: string,
  lastActivityAt: Date | null,
  source = 'User.LastLoginDate',
): SyncItem {
  const record: ActivityRecord = { accountExternalId, lastActivityAt, source };
  return { kind: 'activity', activity: record };
}

export async function* stream(items: Iterable<SyncItem>): AsyncIterable<SyncItem> {
  for (const item of items) yield item;
}

export const ref = (type: string, externalId: string): EntitlementRef => ({ type, externalId });
