import type { Session } from '../auth/index.js';
import type { EmulatorRequest } from '../http/types.js';
import type { EmulatedOrg } from '../org/emulated-org.js';
import { toId18 } from '../org/ids.js';
import { ScimError, scimJson } from './scim-errors.js';
import { LIST_SCHEMA, PATCH_SCHEMA } from './user-resource.js';

/** One authenticated SCIM call. */
export interface ScimCall {
  readonly org: EmulatedOrg;
  readonly request: EmulatorRequest;
  readonly session: Session;
  /** The resource id from the path, '' for collection calls. */
  readonly id: string;
  readonly body: unknown;
}

/** Salesforce caps filtered SCIM results at 200 (ServiceProviderConfig `filter.maxResults`). */
export const MAX_RESULTS = 200;

export function pageParameters(query: URLSearchParams): { startIndex: number; count: number } {
  const startIndex = Math.max(1, Number.parseInt(query.get('startIndex') ?? '1', 10) || 1);
  const requested = Number.parseInt(query.get('count') ?? String(MAX_RESULTS), 10);
  const count = Math.min(MAX_RESULTS, Math.max(0, Number.isNaN(requested) ? MAX_RESULTS : requested));
  return { startIndex, count };
}

export function listResponse(resources: unknown[], totalResults: number, startIndex: number) {
  return scimJson(200, {
    schemas: [LIST_SCHEMA],
    totalResults,
    itemsPerPage: resources.length,
    startIndex,
    Resources: resources,
  });
}

export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path?: string;
  readonly value?: unknown;
}

/** The Operations of a PatchOp body (RFC 7644 §3.5.2), or 400 invalidSyntax. */
export function readPatchOperations(body: unknown): PatchOperation[] {
  const { schemas, Operations } = (body ?? {}) as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_SCHEMA) || !Array.isArray(Operations)) {
    throw new ScimError(
      400,
      `A PATCH body needs schemas ["${PATCH_SCHEMA}"] and an Operations array.`,
      'invalidSyntax',
    );
  }
  return Operations.map((operation: unknown) => {
    const { op, path, value } = (operation ?? {}) as { op?: unknown; path?: unknown; value?: unknown };
    const lower = typeof op === 'string' ? op.toLowerCase() : '';
    if (lower !== 'add' && lower !== 'replace' && lower !== 'remove') {
      throw new ScimError(
        400,
        `Unsupported PATCH op '${String(op)}'; use add, replace or remove.`,
        'invalidSyntax',
      );
    }
    return { op: lower, ...(typeof path === 'string' ? { path } : {}), value };
  });
}

/**
 * Grants or revokes an entitlement for a user. A profile is exclusive: adding
 * one replaces the user's profile, and a profile cannot be removed (a user
 * always holds exactly one).
 */
export function applyEntitlementChange(
  call: ScimCall,
  userId: string,
  entitlementId: string,
  change: 'add' | 'remove',
): void {
  const id = toId18(entitlementId);
  const store = call.org.store;
  if (id?.startsWith('00e') === true && store.table('Profile').live.has(id)) {
    if (change === 'remove') {
      throw new ScimError(
        400,
        'A user must hold exactly one profile: add another profile to replace it.',
        'mutability',
      );
    }
    call.org.update('User', userId, { ProfileId: id }, call.session.userId);
    return;
  }
  const permissionSet = id === undefined ? undefined : store.table('PermissionSet').live.get(id);
  if (permissionSet === undefined || id === undefined)
    throw new ScimError(404, `Entitlement ${entitlementId} not found`);
  const existing = store
    .table('PermissionSetAssignment')
    .findUnique(['AssigneeId', 'PermissionSetId'], { AssigneeId: userId, PermissionSetId: id });
  if (change === 'add' && existing === undefined) {
    call.org.create(
      'PermissionSetAssignment',
      { AssigneeId: userId, PermissionSetId: id },
      call.session.userId,
    );
  }
  if (change === 'remove' && existing !== undefined) {
    call.org.delete('PermissionSetAssignment', existing, call.session.userId);
  }
}
