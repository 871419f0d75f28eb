import type { ConnectorManifest } from '@accessledger/core';

/** SCIM's own names for what a user can hold: group membership, and the values of `roles` and `entitlements` (RFC 7643 §4.1.2). */
export const ScimEntitlementTypes = {
  group: 'group',
  role: 'role',
  entitlement: 'entitlement',
} as const;
export type ScimEntitlementType = (typeof ScimEntitlementTypes)[keyof typeof ScimEntitlementTypes];

export const scimManifest: ConnectorManifest = {
  id: 'scim',
  displayName: 'SCIM 2.0',
  version: '0.1.0',
  entitlementTypes: [
    { type: ScimEntitlementTypes.group, label: 'Group', exclusive: false, grantable: true, revocable: true },
    {
      type: ScimEntitlementTypes.role,
      label: 'Role (User roles)',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: ScimEntitlementTypes.entitlement,
      label: 'Entitlement (User entitlements)',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
  ],
  deprovisionActions: ['deactivate', 'release'],
};
