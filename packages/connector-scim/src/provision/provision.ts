import { equalsFilter, ScimPatch, ScimSchemas, valuePath } from '@accessledger/connector-kit';
import {
  InvalidInputError,
  NotFoundError,
  UnsupportedError,
  type AccountChanges,
  type DeprovisionAction,
  type EntitlementRef,
  type NewAccount,
  type OpResult,
  type ProvisionOp,
  type RunContext,
} from '@accessledger/core';
import type { ScimConfig } from '../config.js';
import type { ScimClient, ScimWrite } from '../http/client.js';
import type { MultiValue, ScimGroup, ScimUser, Versioned } from '../http/resources.js';
import { ScimEntitlementTypes } from '../manifest.js';
import type { ProviderCapabilities } from '../sync/discovery.js';
import { keyOf, primaryEmail, valuesOf } from '../sync/mapping.js';
import { changeOf, planAndRun } from './writes.js';

/** Enterprise extension attributes (RFC 7643 §4.3) that `attributes` may name directly. */
const ENTERPRISE_ATTRIBUTES = new Set([
  'employeeNumber',
  'costCenter',
  'organization',
  'division',
  'department',
  'manager',
]);

type ValueAttribute = 'roles' | 'entitlements';

function valueAttributeOf(type: string): ValueAttribute | null {
  if (type === ScimEntitlementTypes.role) return 'roles';
  if (type === ScimEntitlementTypes.entitlement) return 'entitlements';
  return null;
}

/** Provisioning over SCIM: every operation reads first, so repeating one changes nothing. */
export class ScimProvisioning {
  constructor(
    private readonly client: ScimClient,
    private readonly capabilities: ProviderCapabilities,
    private readonly config: ScimConfig,
  ) {}

  async provision(ctx: RunContext, op: ProvisionOp): Promise<OpResult> {
    const options = { dryRun: op.dryRun === true, signal: ctx.signal };
    switch (op.kind) {
      case 'createAccount':
        return this.createAccount(op.account, options);
      case 'updateAccount':
        return planAndRun(
          this.client,
          () => this.planUpdate(op.accountExternalId, op.changes, ctx.signal),
          options,
        );
      case 'grant':
        if (op.expiresAt !== undefined) {
          throw new UnsupportedError(
            'SCIM has no expiring memberships or values: grant without expiresAt and revoke it when due.',
          );
        }
        return planAndRun(
          this.client,
          () => this.planMembership(op.accountExternalId, op.entitlement, 'grant', ctx.signal),
          options,
        );
      case 'revoke':
        return planAndRun(
          this.client,
          () => this.planMembership(op.accountExternalId, op.entitlement, 'revoke', ctx.signal),
          options,
        );
    }
  }

  async deprovision(ctx: RunContext, action: DeprovisionAction): Promise<OpResult> {
    const options = { dryRun: action.dryRun === true, signal: ctx.signal };
    switch (action.kind) {
      case 'deactivate':
        return planAndRun(
          this.client,
          () => this.planDeactivate(action.accountExternalId, ctx.signal),
          options,
        );
      case 'release':
        return planAndRun(this.client, () => this.planRelease(action.accountExternalId, ctx.signal), options);
      case 'transfer':
        throw new UnsupportedError('SCIM has no record ownership to transfer: use deactivate or release.');
    }
  }

  private usersPath(id: string): string {
    return `${this.capabilities.usersEndpoint}/${encodeURIComponent(id)}`;
  }

  private async readUser(id: string, signal: AbortSignal): Promise<Versioned<ScimUser>> {
    try {
      return await this.client.get<ScimUser>(this.usersPath(id), signal, `reading user ${id}`);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new NotFoundError(
          `The SCIM service has no user ${id}: sync again and use an account id from the latest snapshot.`,
          error.details,
        );
      }
      throw error;
    }
  }

  private groupsEndpoint(): string {
    if (this.capabilities.groupsEndpoint === null) {
      throw new UnsupportedError(
        'This SCIM service has no Group resource type (ResourceTypes): group membership cannot be changed through it.',
      );
    }
    return this.capabilities.groupsEndpoint;
  }

  private async readGroup(id: string, signal: AbortSignal): Promise<Versioned<ScimGroup>> {
    const endpoint = this.groupsEndpoint();
    try {
      return await this.client.get<ScimGroup>(
        `${endpoint}/${encodeURIComponent(id)}`,
        signal,
        `reading group ${id}`,
      );
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new NotFoundError(
          `The SCIM service has no group ${id}: sync again and use a group id from the latest snapshot.`,
          error.details,
        );
      }
      throw error;
    }
  }

  /** The user with this userName (compared without case, RFC 7643 §4.1.1), by filter where supported, else by reading them all. */
  private async findByUserName(userName: string, signal: AbortSignal): Promise<ScimUser | null> {
    const wanted = userName.toLowerCase();
    const query = this.capabilities.filter ? { filter: equalsFilter('userName', userName) } : undefined;
    for await (const users of this.client.listAll<ScimUser>(this.capabilities.usersEndpoint, {
      pageSize: Math.min(this.config.pageSize, this.capabilities.maxResults ?? this.config.pageSize),
      cursor: this.capabilities.cursor,
      signal,
      ...(query ? { query } : {}),
    })) {
      const found = users.find((user) => user.userName?.toLowerCase() === wanted);
      if (found) return found;
    }
    return null;
  }

  private async createAccount(
    account: NewAccount,
    options: { dryRun: boolean; signal: AbortSignal },
  ): Promise<OpResult> {
    if (!account.username.trim())
      throw new InvalidInputError('username is required to create a SCIM user (its userName).');
    const existing = await this.findByUserName(account.username, options.signal);
    if (existing) {
      return {
        changed: false,
        dryRun: options.dryRun,
        calls: [],
        createdExternalId: existing.id,
        summary: `user ${account.username} already exists`,
      };
    }
    const body = newUserBody(account);
    const create: ScimWrite = {
      method: 'POST',
      path: this.capabilities.usersEndpoint,
      body,
      description: `creating user ${account.username}`,
    };
    const groups = (account.entitlements ?? []).filter((ref) => ref.type === ScimEntitlementTypes.group);
    const endpoint = groups.length > 0 ? this.groupsEndpoint() : '';
    const groupWrite = (userId: string, group: EntitlementRef): ScimWrite => ({
      method: 'PATCH',
      path: `${endpoint}/${encodeURIComponent(group.externalId)}`,
      body: new ScimPatch().add('members', [{ value: userId }]).build(),
      description: `adding the new user to group ${group.externalId}`,
    });
    if (options.dryRun) {
      const calls = [create, ...groups.map((group) => groupWrite('{new user id}', group))].map((write) =>
        this.client.planned(write),
      );
      return { changed: true, dryRun: true, calls };
    }
    const created = await this.client.write<ScimUser>(create, options.signal);
    const id = created?.resource.id;
    if (typeof id !== 'string')
      throw new InvalidInputError('The SCIM service answered the create without the new user’s id.');
    const calls = [this.client.planned(create)];
    for (const group of groups) {
      // Membership goes through the group; without PATCH the group is rewritten from a fresh read.
      const result = await planAndRun(
        this.client,
        () => this.planMembership(id, group, 'grant', options.signal),
        options,
      );
      calls.push(...result.calls);
    }
    return { changed: true, dryRun: false, calls, createdExternalId: id };
  }

  private async planUpdate(
    id: string,
    changes: AccountChanges,
    signal: AbortSignal,
  ): Promise<{ writes: ScimWrite[] }> {
    const read = await this.readUser(id, signal);
    const user = read.resource;
    const patch = new ScimPatch();
    const edits: ((resource: Record<string, unknown>) => void)[] = [];
    const set = (path: string, value: unknown, edit: (resource: Record<string, unknown>) => void): void => {
      patch.replace(path, value);
      edits.push(edit);
    };
    if (changes.email !== undefined && primaryEmail(user) !== changes.email) {
      const emails = (Array.isArray(user.emails) ? user.emails : []).filter(
        (email) => email.primary !== true && email.value !== changes.email,
      );
      const next = [{ value: changes.email, type: 'work', primary: true }, ...emails];
      set('emails', next, (resource) => void (resource['emails'] = next));
    }
    if (changes.displayName !== undefined && user.displayName !== changes.displayName) {
      set(
        'displayName',
        changes.displayName,
        (resource) => void (resource['displayName'] = changes.displayName),
      );
    }
    for (const [field, sub] of [
      ['firstName', 'givenName'],
      ['lastName', 'familyName'],
    ] as const) {
      const value = changes[field];
      if (value !== undefined && user.name?.[sub] !== value) {
        set(`name.${sub}`, value, (resource) => {
          resource['name'] = { ...(resource['name'] as object | undefined), [sub]: value };
        });
      }
    }
    const enterprise = (user[ScimSchemas.enterpriseUser] ?? {}) as Record<string, unknown>;
    for (const [key, raw] of Object.entries(changes.attributes ?? {})) {
      if (key === 'userName' || key === 'id' || key === 'meta' || key === 'groups') {
        throw new InvalidInputError(`attributes.${key} cannot be changed through updateAccount.`);
      }
      if (ENTERPRISE_ATTRIBUTES.has(key)) {
        const value = key === 'manager' && typeof raw === 'string' ? { value: raw } : raw;
        const current = enterprise[key];
        const same =
          key === 'manager'
            ? managerId(current) === managerId(value)
            : JSON.stringify(current) === JSON.stringify(value);
        if (same) continue;
        set(`${ScimSchemas.enterpriseUser}:${key}`, value, (resource) => {
          const extension = {
            ...((resource[ScimSchemas.enterpriseUser] as object | undefined) ?? {}),
            [key]: value,
          };
          resource[ScimSchemas.enterpriseUser] = extension;
          const schemas = Array.isArray(resource['schemas'])
            ? (resource['schemas'] as string[])
            : [ScimSchemas.user];
          if (!schemas.includes(ScimSchemas.enterpriseUser))
            resource['schemas'] = [...schemas, ScimSchemas.enterpriseUser];
        });
      } else if (JSON.stringify(user[key]) !== JSON.stringify(raw)) {
        set(key, raw, (resource) => void (resource[key] = raw));
      }
    }
    if (patch.size === 0) return { writes: [] };
    const write = changeOf(
      this.capabilities,
      this.capabilities.usersEndpoint,
      read,
      { patch, apply: (resource) => edits.forEach((edit) => edit(resource)) },
      `updating user ${id}`,
    );
    return { writes: [write] };
  }

  private async planMembership(
    accountId: string,
    entitlement: EntitlementRef,
    change: 'grant' | 'revoke',
    signal: AbortSignal,
  ): Promise<{ writes: ScimWrite[] }> {
    if (entitlement.type === ScimEntitlementTypes.group) {
      const read = await this.readGroup(entitlement.externalId, signal);
      const members = Array.isArray(read.resource.members) ? read.resource.members : [];
      const held = members.some((member) => member.value === accountId);
      if (held === (change === 'grant')) return { writes: [] };
      const patch =
        change === 'grant'
          ? new ScimPatch().add('members', [{ value: accountId }])
          : new ScimPatch().remove(valuePath('members', 'value', accountId));
      const apply = (resource: Record<string, unknown>): void => {
        const kept = members
          .filter((member) => member.value !== accountId)
          .map((member) => ({ value: member.value, ...(member.type ? { type: member.type } : {}) }));
        resource['members'] = change === 'grant' ? [...kept, { value: accountId }] : kept;
      };
      const verb = change === 'grant' ? `adding user ${accountId} to` : `removing user ${accountId} from`;
      return {
        writes: [
          changeOf(
            this.capabilities,
            this.groupsEndpoint(),
            read,
            { patch, apply },
            `${verb} group ${entitlement.externalId}`,
          ),
        ],
      };
    }
    const attribute = valueAttributeOf(entitlement.type);
    if (attribute === null) {
      throw new InvalidInputError(
        `"${entitlement.type}" is not a SCIM entitlement type: use group, role or entitlement.`,
      );
    }
    const supported =
      attribute === 'roles' ? this.capabilities.userRoles : this.capabilities.userEntitlements;
    if (!supported)
      throw new UnsupportedError(`This SCIM service's User schema has no ${attribute} attribute.`);
    const read = await this.readUser(accountId, signal);
    const values = valuesOf(read.resource[attribute] as MultiValue[] | undefined);
    const held = values.some((item) => keyOf(item) === entitlement.externalId);
    if (held === (change === 'grant')) return { writes: [] };
    const patch =
      change === 'grant'
        ? new ScimPatch().add(attribute, [{ value: entitlement.externalId }])
        : new ScimPatch().remove(valuePath(attribute, 'value', entitlement.externalId));
    const apply = (resource: Record<string, unknown>): void => {
      const kept = values.filter((item) => keyOf(item) !== entitlement.externalId);
      resource[attribute] = change === 'grant' ? [...kept, { value: entitlement.externalId }] : kept;
    };
    const verb = change === 'grant' ? 'adding' : 'removing';
    return {
      writes: [
        changeOf(
          this.capabilities,
          this.capabilities.usersEndpoint,
          read,
          { patch, apply },
          `${verb} ${entitlement.type} ${entitlement.externalId} ${change === 'grant' ? 'to' : 'from'} user ${accountId}`,
        ),
      ],
    };
  }

  private async planDeactivate(
    id: string,
    signal: AbortSignal,
  ): Promise<{ writes: ScimWrite[]; summary?: string }> {
    if (this.config.deactivate === 'delete') {
      let read: Versioned<ScimUser>;
      try {
        read = await this.readUser(id, signal);
      } catch (error) {
        if (error instanceof NotFoundError) return { writes: [], summary: `user ${id} is already deleted` };
        throw error;
      }
      return {
        writes: [
          {
            method: 'DELETE',
            path: this.usersPath(id),
            ifMatch: this.capabilities.etag ? read.etag : null,
            description: `deleting user ${id}`,
          },
        ],
      };
    }
    const read = await this.readUser(id, signal);
    if (read.resource.active === false) return { writes: [], summary: `user ${id} is already inactive` };
    const patch = new ScimPatch().replace('active', false);
    return {
      writes: [
        changeOf(
          this.capabilities,
          this.capabilities.usersEndpoint,
          read,
          { patch, apply: (resource) => void (resource['active'] = false) },
          `deactivating user ${id}`,
        ),
      ],
    };
  }

  /** Every direct group membership removed, and the user's roles and entitlements cleared. */
  private async planRelease(id: string, signal: AbortSignal): Promise<{ writes: ScimWrite[] }> {
    const writes: ScimWrite[] = [];
    const read = await this.readUser(id, signal);
    if (this.capabilities.groupsEndpoint !== null) {
      for await (const groups of this.client.listAll<ScimGroup>(this.capabilities.groupsEndpoint, {
        pageSize: Math.min(this.config.pageSize, this.capabilities.maxResults ?? this.config.pageSize),
        cursor: this.capabilities.cursor,
        signal,
      })) {
        for (const group of groups) {
          const full =
            group.members === undefined
              ? await this.readGroup(group.id, signal)
              : { resource: group, etag: group.meta?.version ?? null };
          const plan = this.planMembershipFromRead(id, full);
          if (plan) writes.push(plan);
        }
      }
    }
    for (const attribute of ['roles', 'entitlements'] as const) {
      const values = valuesOf(read.resource[attribute] as MultiValue[] | undefined);
      if (values.length === 0) continue;
      const patch = new ScimPatch().remove(attribute);
      writes.push(
        changeOf(
          this.capabilities,
          this.capabilities.usersEndpoint,
          read,
          { patch, apply: (resource) => void delete resource[attribute] },
          `clearing the ${attribute} of user ${id}`,
        ),
      );
    }
    if (!this.capabilities.patch && writes.filter((write) => write.path === this.usersPath(id)).length > 1) {
      // Two PUTs of one user from one read: the second would carry the first's stale version. One PUT does both.
      const patch = new ScimPatch().remove('roles').remove('entitlements');
      const combined = changeOf(
        this.capabilities,
        this.capabilities.usersEndpoint,
        read,
        {
          patch,
          apply: (resource) => {
            delete resource['roles'];
            delete resource['entitlements'];
          },
        },
        `clearing the roles and entitlements of user ${id}`,
      );
      return { writes: [...writes.filter((write) => write.path !== this.usersPath(id)), combined] };
    }
    return { writes };
  }

  private planMembershipFromRead(accountId: string, read: Versioned<ScimGroup>): ScimWrite | null {
    const members = Array.isArray(read.resource.members) ? read.resource.members : [];
    if (!members.some((member) => member.value === accountId)) return null;
    const patch = new ScimPatch().remove(valuePath('members', 'value', accountId));
    const kept = members
      .filter((member) => member.value !== accountId)
      .map((member) => ({ value: member.value, ...(member.type ? { type: member.type } : {}) }));
    return changeOf(
      this.capabilities,
      this.groupsEndpoint(),
      read,
      { patch, apply: (resource) => void (resource['members'] = kept) },
      `removing user ${accountId} from group ${read.resource.id}`,
    );
  }
}

function managerId(value: unknown): unknown {
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return record['value'] ?? record['managerId'];
  }
  return value;
}

/** A new User (RFC 7643 §4.1): core attributes, enterprise ones under their URN, roles and entitlements from the start. */
export function newUserBody(account: NewAccount): Record<string, unknown> {
  const core: Record<string, unknown> = {};
  const enterprise: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(account.attributes ?? {})) {
    if (ENTERPRISE_ATTRIBUTES.has(key))
      enterprise[key] = key === 'manager' && typeof value === 'string' ? { value } : value;
    else core[key] = value;
  }
  const initial = (type: string) =>
    (account.entitlements ?? []).filter((ref) => ref.type === type).map((ref) => ({ value: ref.externalId }));
  const roles = initial(ScimEntitlementTypes.role);
  const entitlements = initial(ScimEntitlementTypes.entitlement);
  const name: Record<string, string> = {};
  if (account.firstName) name['givenName'] = account.firstName;
  if (account.lastName) name['familyName'] = account.lastName;
  const hasEnterprise = Object.keys(enterprise).length > 0;
  return {
    ...core,
    schemas: hasEnterprise ? [ScimSchemas.user, ScimSchemas.enterpriseUser] : [ScimSchemas.user],
    userName: account.username,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    displayName: account.displayName,
    emails: [{ value: account.email, type: 'work', primary: true }],
    active: true,
    ...(roles.length > 0 ? { roles } : {}),
    ...(entitlements.length > 0 ? { entitlements } : {}),
    ...(hasEnterprise ? { [ScimSchemas.enterpriseUser]: enterprise } : {}),
  };
}
