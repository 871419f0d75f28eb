import { select, type Condition } from '../soql.js';
import type { DescribeSObjectResult } from '../http/client.js';

/** Prefix of PermissionSet's system permission fields (Object Reference: "PermissionSet"). */
const PERMISSION_PREFIX = 'Permissions';

/**
 * Where the `q` parameter of `GET /query` must stay under: Salesforce answers
 * 414 past 16,384 bytes of URI and headers together (SOQL and SOSL Limits),
 * so this leaves room for the path and the headers.
 */
export const MAX_ENCODED_QUERY_LENGTH = 12_000;

/** The `Permissions*` boolean fields of PermissionSet in this org; real orgs have hundreds. */
export function permissionFieldsOf(describe: DescribeSObjectResult): string[] {
  return describe.fields
    .filter((field) => field.type === 'boolean' && field.name.startsWith(PERMISSION_PREFIX))
    .map((field) => field.name)
    .filter((name) => name.length > PERMISSION_PREFIX.length);
}

/** `PermissionsModifyAllData` → `ModifyAllData`, the name the attribute conventions use. */
export function permissionName(field: string): string {
  return field.slice(PERMISSION_PREFIX.length);
}

/**
 * Splits the permission fields over as few statements as possible such that
 * each statement, URL-encoded, stays under `maxEncodedLength`. Every statement
 * selects `Id` so that the pieces can be merged by Id.
 */
export function permissionQueries(
  fields: readonly string[],
  from: { readonly object: string; readonly where?: Condition },
  maxEncodedLength = MAX_ENCODED_QUERY_LENGTH,
): string[] {
  const render = (chunk: readonly string[]): string =>
    select({ fields: ['Id', ...chunk], from: from.object, ...(from.where ? { where: from.where } : {}) });
  const encoded = (soql: string): number => encodeURIComponent(soql).length;
  const statements: string[] = [];
  let chunk: string[] = [];
  for (const field of fields) {
    const candidate = [...chunk, field];
    if (chunk.length > 0 && encoded(render(candidate)) > maxEncodedLength) {
      statements.push(render(chunk));
      chunk = [field];
    } else {
      chunk = candidate;
    }
  }
  if (chunk.length > 0) statements.push(render(chunk));
  return statements;
}

/** Adds the enabled permissions of one queried row to `into`, by record Id. */
export function collectEnabledPermissions(
  record: Readonly<Record<string, unknown>>,
  into: Map<string, string[]>,
): void {
  const id = record['Id'];
  if (typeof id !== 'string') return;
  let enabled = into.get(id);
  for (const [field, value] of Object.entries(record)) {
    if (value !== true || !field.startsWith(PERMISSION_PREFIX)) continue;
    if (!enabled) {
      enabled = [];
      into.set(id, enabled);
    }
    enabled.push(permissionName(field));
  }
}
