import { EntitlementTypes, type ConnectorManifest, type EntitlementType } from '@accessledger/core';

/** Entitlement types of Salesforce beyond core's well-known ones; plain strings, as core allows. */
export const SalesforceEntitlementTypes = {
  queue: 'queue',
  permissionSetLicense: 'permission_set_license',
  derivedGroup: 'derived_group',
} as const;

/**
 * What the Salesforce connector emits and changes. Profiles are granted
 * (which replaces the one held) but never revoked; user licenses come with
 * the profile and are neither granted nor revoked on their own; derived
 * groups are only ever the `via` of a membership Salesforce derives.
 */
export const salesforceManifest: ConnectorManifest = {
  id: 'salesforce',
  displayName: 'Salesforce',
  version: '0.1.0',
  entitlementTypes: [
    { type: EntitlementTypes.profile, label: 'Profile', exclusive: true, grantable: true, revocable: false },
    { type: EntitlementTypes.role, label: 'Role', exclusive: true, grantable: true, revocable: true },
    {
      type: EntitlementTypes.permissionSet,
      label: 'Permission set',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: EntitlementTypes.permissionSetGroup,
      label: 'Permission set group',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: EntitlementTypes.packageLicense,
      label: 'Package license',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: EntitlementTypes.userLicense,
      label: 'User license (through the profile)',
      exclusive: true,
      grantable: false,
      revocable: false,
    },
    {
      type: EntitlementTypes.publicGroup,
      label: 'Public group',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: SalesforceEntitlementTypes.queue,
      label: 'Queue (access to the records routed to it)',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: SalesforceEntitlementTypes.permissionSetLicense,
      label: 'Permission set license',
      exclusive: false,
      grantable: true,
      revocable: true,
    },
    {
      type: SalesforceEntitlementTypes.derivedGroup,
      label: 'Role, role-and-subordinates or organization group (members derived by Salesforce)',
      exclusive: false,
      grantable: false,
      revocable: false,
    },
  ],
  deprovisionActions: ['deactivate', 'release', 'transfer'],
};

const flagsByType = new Map(salesforceManifest.entitlementTypes.map((info) => [info.type as string, info]));

/** An entitlement's grant, revoke and exclusivity flags: the manifest is the one place they are decided. */
export function entitlementFlags(type: EntitlementType): {
  grantable: boolean;
  revocable: boolean;
  exclusive: boolean;
} {
  const info = flagsByType.get(type);
  if (!info) throw new Error(`The Salesforce manifest declares no entitlement type "${type}".`);
  return { grantable: info.grantable, revocable: info.revocable, exclusive: info.exclusive };
}
