import { describe, expect, it } from 'vitest';
import { collectEnabledPermissions, permissionFieldsOf, permissionQueries } from './permissions.js';

describe('permission field discovery and splitting', () => {
  it('takes the Permissions* booleans from describe', () => {
    const fields = permissionFieldsOf({
      name: 'PermissionSet',
      fields: [
        { name: 'Id', label: 'Id', type: 'id' },
        { name: 'PermissionsApiEnabled', label: 'API Enabled', type: 'boolean' },
        { name: 'PermissionsLicenseId', label: 'odd', type: 'reference' },
      ],
    });
    expect(fields).toEqual(['PermissionsApiEnabled']);
  });

  it('splits hundreds of fields so that every encoded statement stays under the limit, covering each once', () => {
    const fields = Array.from({ length: 600 }, (_, index) => `PermissionsSomethingRatherLong${index}`);
    const statements = permissionQueries(fields, { object: 'PermissionSet' }, 4_000);
    expect(statements.length).toBeGreaterThan(1);
    for (const soql of statements) {
      expect(encodeURIComponent(soql).length).toBeLessThanOrEqual(4_000);
      expect(soql.startsWith('SELECT Id, ')).toBe(true);
    }
    const selected = statements.flatMap((soql) =>
      soql
        .replace(/^SELECT Id, /, '')
        .replace(/ FROM .*$/, '')
        .split(', '),
    );
    expect(selected).toEqual(fields);
  });

  it('merges enabled permissions by Id across statements', () => {
    const merged = new Map<string, string[]>();
    collectEnabledPermissions(
      { Id: 'ps1', PermissionsApiEnabled: true, PermissionsModifyAllData: false },
      merged,
    );
    collectEnabledPermissions({ Id: 'ps1', PermissionsViewAllData: true }, merged);
    collectEnabledPermissions({ Id: 'ps2', PermissionsViewAllData: false }, merged);
    expect(merged).toEqual(new Map([['ps1', ['ApiEnabled', 'ViewAllData']]]));
  });
});
