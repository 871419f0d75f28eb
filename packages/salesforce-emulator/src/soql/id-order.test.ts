import { describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { runSoql } from './index.js';
import type { SoqlDataSource } from './types.js';

const org = generateOrg({ seed: 5, users: 300 });
const store = org.store;
/** The same records without `scanById`: every query scans and sorts. */
const scanning: SoqlDataSource = {
  describe: (name) => store.describe(name),
  scan: (name, options) => store.scan(name, options),
  getById: (id) => store.getById(id),
};
const options = { includeDeleted: false, apiVersion: '62.0', now: new Date('2026-03-01T00:00:00Z') };

const assignmentIds = [...store.scan('PermissionSetAssignment', { includeDeleted: false })]
  .map((row) => row['Id'] as string)
  .sort();
const at = (fraction: number): string => assignmentIds[Math.floor(assignmentIds.length * fraction)] as string;
/** The 15-character form: SOQL compares Ids whichever form a literal is written in. */
const short = (id: string): string => id.slice(0, 15);

const queries = (): string[] => [
  'SELECT Id, AssigneeId FROM PermissionSetAssignment ORDER BY Id',
  'SELECT Id FROM PermissionSetAssignment ORDER BY Id DESC LIMIT 1',
  'SELECT Id FROM PermissionSetAssignment ORDER BY Id ASC NULLS LAST LIMIT 7 OFFSET 3',
  'SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.IsOwnedByProfile = false ORDER BY Id LIMIT 2000',
  'SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.IsOwnedByProfile = false ORDER BY Id DESC LIMIT 1',
  `SELECT Id FROM PermissionSetAssignment WHERE Id > '${at(0.2)}' AND Id <= '${at(0.6)}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE Id >= '${short(at(0.2))}' AND Id < '${short(at(0.6))}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.IsOwnedByProfile = false AND Id > '${at(0.5)}' AND Id <= '${at(0.9)}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE Id > '${at(0.1)}' AND Id > '${at(0.3)}' AND Id < '${at(0.8)}' AND Id <= '${at(0.7)}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE Id >= '${at(0.4)}' AND Id > '${at(0.4)}' AND Id <= '${at(0.5)}' AND Id < '${at(0.5)}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE Id > '${at(0.6)}' AND Id <= '${at(0.2)}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE Id > '${at(0.3)}' ORDER BY Id DESC LIMIT 5`,
  `SELECT Id FROM PermissionSetAssignment WHERE Id < '${at(0.3)}' OR Id > '${at(0.9)}'`,
  `SELECT Id FROM PermissionSetAssignment WHERE NOT (Id > '${at(0.3)}')`,
  `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId > '${at(0.3)}' ORDER BY AssigneeId, Id`,
  'SELECT Id, Name FROM User ORDER BY Name, Id LIMIT 10',
  'SELECT Id FROM User WHERE IsActive = true ORDER BY Id DESC',
];

describe('queries in Id order (scanById) answer exactly as a scan and a sort do', () => {
  it.each(queries())('%s', (soql) => {
    const fast = runSoql(soql, store, options);
    const slow = runSoql(soql, scanning, options);
    expect(fast.rows.map((row) => row['Id'])).toEqual(slow.rows.map((row) => row['Id']));
    expect(fast.totalSize).toBe(slow.totalSize);
  });

  it('reads rows added and removed since the last query', () => {
    const before = runSoql('SELECT Id FROM Account ORDER BY Id DESC LIMIT 1', store, options).rows;
    const added = store.insertRaw('Account', { Name: 'Added since' });
    expect(runSoql('SELECT Id FROM Account ORDER BY Id DESC LIMIT 1', store, options).rows).toEqual([added]);
    store.deleteRaw('Account', added['Id'] as string);
    expect(runSoql('SELECT Id FROM Account ORDER BY Id DESC LIMIT 1', store, options).rows).toEqual(before);
    // queryAll still finds the deleted row, through a scan.
    const all = runSoql(`SELECT Id FROM Account WHERE Id >= '${String(added['Id'])}'`, store, {
      ...options,
      includeDeleted: true,
    });
    expect(all.rows.map((row) => row['Id'])).toEqual([added['Id']]);
  });
});
