/** Sizes of a generated org. `users` drives everything else. */
export interface OrgShape {
  readonly users: number;
  readonly regularPermissionSets: number;
  readonly permissionSetGroups: number;
  /** Average regular permission sets per standard user (the profile's one is on top). */
  readonly permissionSetsPerUser: number;
  readonly roles: number;
  readonly publicGroups: number;
  /** Average public-group memberships per active user. */
  readonly groupMembershipsPerUser: number;
  readonly packageLicenses: number;
  readonly accounts: number;
  readonly opportunities: number;
  readonly tasks: number;
}

export type PresetName = 'tiny' | 'demo' | 'large';

export const PRESETS: Readonly<Record<PresetName, OrgShape>> = {
  tiny: {
    users: 20,
    regularPermissionSets: 8,
    permissionSetGroups: 2,
    permissionSetsPerUser: 2,
    roles: 6,
    publicGroups: 4,
    groupMembershipsPerUser: 1,
    packageLicenses: 3,
    accounts: 10,
    opportunities: 10,
    tasks: 20,
  },
  demo: {
    users: 2_000,
    regularPermissionSets: 40,
    permissionSetGroups: 10,
    permissionSetsPerUser: 5,
    roles: 30,
    publicGroups: 40,
    groupMembershipsPerUser: 2,
    packageLicenses: 6,
    accounts: 500,
    opportunities: 500,
    tasks: 1_000,
  },
  large: {
    users: 50_000,
    regularPermissionSets: 300,
    permissionSetGroups: 50,
    permissionSetsPerUser: 10,
    roles: 200,
    publicGroups: 1_000,
    groupMembershipsPerUser: 2.6,
    packageLicenses: 12,
    accounts: 5_000,
    opportunities: 5_000,
    tasks: 10_000,
  },
};

/** A shape for an arbitrary user count, scaled from the nearest preset. */
export function shapeForUsers(users: number): OrgShape {
  const base = users <= 100 ? PRESETS.tiny : users <= 10_000 ? PRESETS.demo : PRESETS.large;
  const scale = users / base.users;
  const scaled = (value: number, minimum: number): number =>
    Math.max(minimum, Math.round(value * Math.sqrt(scale)));
  return {
    ...base,
    users,
    regularPermissionSets: scaled(base.regularPermissionSets, 4),
    roles: scaled(base.roles, 3),
    publicGroups: scaled(base.publicGroups, 2),
    accounts: Math.max(5, Math.round(base.accounts * scale)),
    opportunities: Math.max(5, Math.round(base.opportunities * scale)),
    tasks: Math.max(5, Math.round(base.tasks * scale)),
  };
}
