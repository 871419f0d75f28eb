import type { SObjectRecord } from '../soql/types.js';
import { ApiUsage } from './api-usage.js';
import { parseDateTime, toSalesforceDateTime } from './datetime.js';
import { OrgStore } from './store.js';
import type { OrgStoreOptions } from './store.js';
import { expireAssignments } from './assignment-expiry.js';
import { recalculateOutdatedGroups } from './rules/aggregates.js';
import type { RuleSettings } from './rules/types.js';
import type { FieldValue } from './table.js';
import type { ValidationRule } from './validation-rules.js';
import { OrgWriter } from './writer.js';

/** The connected app registered in the org (the OAuth module registers it with its service). */
export interface ConnectedAppDefinition {
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  /** Username of the user the client credentials flow runs as. */
  readonly runAsUsername: string;
}

/** Switches an admin can flip on the org at run time. */
export interface OrgSettings extends RuleSettings {
  /** When false, `/services/scim/v2/*` answers as an org without SCIM (404 NOT_FOUND). */
  scimEnabled: boolean;
  /**
   * When false, PATCH /Entitlements answers 405, as Salesforce's SCIM reference lists
   * Entitlements as read only; true follows the Lumos article, which PATCHes them.
   */
  scimEntitlementWrites: boolean;
  /**
   * How long a query cursor stays usable after its last use. Salesforce keeps
   * cursors 2 days since API v56.0 ("API Query Cursor Limits"); older docs say
   * 15 minutes of inactivity.
   */
  queryCursorTtlMs: number;
  /** Records per query page when the client asks for nothing else. */
  defaultQueryBatchSize: number;
}

export interface EmulatedOrgOptions extends OrgStoreOptions {
  readonly name?: string;
  readonly dailyApiRequestLimit?: number;
}

/**
 * An emulated Salesforce org: its records (`store`), the rule-checking writer,
 * API usage, settings and the identity of its admin and connected app.
 *
 * @example
 * const org = generateOrg({ seed: 1, preset: 'tiny' });
 * const id = org.create('Account', { Name: 'Acme' });
 * org.update('Account', id, { OwnerId: org.adminUserId });
 */
export class EmulatedOrg {
  readonly store: OrgStore;
  readonly writer: OrgWriter;
  readonly apiUsage: ApiUsage;
  readonly settings: OrgSettings;
  adminUserId = '';
  connectedApp: ConnectedAppDefinition = {
    name: 'accessledger',
    clientId: '',
    clientSecret: '',
    redirectUris: [],
    runAsUsername: '',
  };

  constructor(options: EmulatedOrgOptions = {}) {
    this.store = new OrgStore(options);
    this.settings = {
      scimEnabled: true,
      scimEntitlementWrites: true,
      queryCursorTtlMs: 2 * 24 * 60 * 60 * 1000,
      defaultQueryBatchSize: 2000,
      assignmentExpirationEnabled: true,
      permissionSetGroupRecalculation: 'immediate',
    };
    this.writer = new OrgWriter(this.store, this.settings);
    this.apiUsage = new ApiUsage(options.dailyApiRequestLimit ?? 5_000_000, this.store.now);
  }

  get organizationId(): string {
    return this.store.organizationId;
  }

  get adminUsername(): string {
    return String(this.store.table('User').live.get(this.adminUserId)?.Username ?? '');
  }

  get validationRules(): ValidationRule[] {
    return this.writer.validationRules;
  }

  /** Creates a record through Salesforce's rules, as `asUserId` (default: the admin). Returns the new Id. */
  create(objectName: string, values: Readonly<Record<string, unknown>>, asUserId = this.adminUserId): string {
    return this.writer.create(objectName, values, { sessionUserId: asUserId });
  }

  update(
    objectName: string,
    id: string,
    values: Readonly<Record<string, unknown>>,
    asUserId = this.adminUserId,
  ): void {
    this.writer.update(objectName, id, values, { sessionUserId: asUserId });
  }

  delete(objectName: string, id: string, asUserId = this.adminUserId): void {
    this.writer.delete(objectName, id, { sessionUserId: asUserId });
  }

  /** A live record by 15- or 18-character Id (any object). */
  get(id: string): SObjectRecord | undefined {
    return this.store.getById(id);
  }

  /** Live records of an object matching every given field value (a test convenience, not SOQL). */
  find(objectName: string, match: Readonly<Record<string, FieldValue>> = {}): SObjectRecord[] {
    const entries = Object.entries(match);
    const rows: SObjectRecord[] = [];
    for (const row of this.store.scan(objectName, { includeDeleted: false })) {
      if (entries.every(([name, value]) => row[name] === value)) rows.push(row);
    }
    return rows;
  }

  /** Freezes or unfreezes a user (UserLogin.IsFrozen), as an admin does in Setup. */
  setFrozen(userId: string, frozen: boolean): void {
    const [login] = this.store.table('UserLogin').rowsWhere('UserId', userId);
    if (login === undefined) throw new Error(`user ${userId} has no UserLogin row`);
    this.store.updateRaw(login, 'UserLogin', { IsFrozen: frozen });
  }

  isFrozen(userId: string): boolean {
    const [login] = this.store.table('UserLogin').rowsWhere('UserId', userId);
    return login?.IsFrozen === true;
  }

  /**
   * What Salesforce does in the background, run before each API call: expired
   * permission set assignments are removed. Returns how many were removed.
   */
  runDueJobs(): number {
    return expireAssignments(this.store);
  }

  /** Runs the permission set group recalculation job: every group not 'Updated' is recalculated. */
  recalculatePermissionSetGroups(): number {
    return recalculateOutdatedGroups(this.store);
  }

  /**
   * A successful login (an OAuth token grant): sets User.LastLoginDate, which Salesforce moves
   * only when 60 seconds have passed since the last login it recorded (Object Reference: "User").
   */
  recordLogin(userId: string, at: Date): void {
    const user = this.store.table('User').live.get(userId);
    if (user === undefined) return;
    const last = typeof user.LastLoginDate === 'string' ? parseDateTime(user.LastLoginDate) : undefined;
    if (last !== undefined && at.getTime() - last.getTime() < 60_000) return;
    this.store.updateRaw(user, 'User', { LastLoginDate: toSalesforceDateTime(at) });
  }

  /** Leaves the process-wide username registry. */
  dispose(): void {
    this.store.dispose();
  }
}
