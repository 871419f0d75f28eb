/**
 * Prints how long `runSoql` takes on a 500,000-row PermissionSetAssignment.
 * A script, not a test: figures depend on the machine.
 *
 *   cd packages/salesforce-emulator && npx tsx src/soql/bench.ts
 */
import { runSoql } from './index.js';
import type { SoqlQueryResult } from './index.js';
import { fixtureId, InMemoryOrg } from './test-fixtures.js';
import type { SObjectRecord } from './types.js';

const ASSIGNMENTS = 500_000;
const USERS = 10_000;
const PERMISSION_SETS = 200;
const REPETITIONS = 5;

function buildOrg(): InMemoryOrg {
  const org = new InMemoryOrg();
  const users: SObjectRecord[] = [];
  for (let index = 0; index < USERS; index++) {
    users.push({
      Id: fixtureId('005', 1000 + index),
      IsDeleted: false,
      Name: `User ${index}`,
      IsActive: index % 7 !== 0,
    });
  }
  const permissionSets: SObjectRecord[] = [];
  for (let index = 0; index < PERMISSION_SETS; index++) {
    permissionSets.push({
      Id: fixtureId('0PS', 1000 + index),
      IsDeleted: false,
      Name: `PS_${index}`,
      PermissionsModifyAllData: index % 50 === 0,
    });
  }
  const assignments: SObjectRecord[] = [];
  for (let index = 0; index < ASSIGNMENTS; index++) {
    assignments.push({
      Id: fixtureId('0Pa', 1000 + index),
      IsDeleted: false,
      AssigneeId: users[index % USERS]?.['Id'] ?? null,
      PermissionSetId: permissionSets[(index * 7) % PERMISSION_SETS]?.['Id'] ?? null,
      IsActive: true,
      ExpirationDate: null,
      CreatedDate: `2025-${String((index % 12) + 1).padStart(2, '0')}-15T09:00:00.000+0000`,
    });
  }
  org.insert('User', users);
  org.insert('PermissionSet', permissionSets);
  org.insert('PermissionSetAssignment', assignments);
  return org;
}

function measure(label: string, org: InMemoryOrg, soql: string): void {
  const timings: number[] = [];
  let result: SoqlQueryResult | undefined;
  for (let run = 0; run < REPETITIONS; run++) {
    const started = performance.now();
    result = runSoql(soql, org, { includeDeleted: false, apiVersion: '63.0' });
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  const median = timings[Math.floor(timings.length / 2)] ?? 0;
  const page = result === undefined ? [] : result.rows.slice(0, 2000);
  const projectStarted = performance.now();
  for (const row of page) result?.project(row);
  const projectMillis = performance.now() - projectStarted;
  console.log(
    `${label}\n  rows matched: ${result?.totalSize ?? 0}; runSoql median ${median.toFixed(1)} ms ` +
      `(min ${timings[0]?.toFixed(1)}, max ${timings[timings.length - 1]?.toFixed(1)}, ${REPETITIONS} runs); ` +
      `projecting a 2,000-row page: ${projectMillis.toFixed(1)} ms`,
  );
}

const buildStarted = performance.now();
const org = buildOrg();
console.log(
  `built ${ASSIGNMENTS.toLocaleString('en-US')} assignments in ${(performance.now() - buildStarted).toFixed(0)} ms`,
);

measure('full scan', org, 'SELECT Id, AssigneeId, PermissionSetId FROM PermissionSetAssignment');

const thousandIds = Array.from(
  { length: 1000 },
  (_, index) => `'${fixtureId('005', 1000 + index * 3)}'`,
).join(', ');
measure(
  'WHERE AssigneeId IN (1,000 Ids)',
  org,
  `SELECT Id, AssigneeId, PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId IN (${thousandIds})`,
);

measure(
  'semi-join on PermissionSet + parent path in WHERE',
  org,
  'SELECT Id, AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN ' +
    '(SELECT Id FROM PermissionSet WHERE PermissionsModifyAllData = true) AND Assignee.IsActive = true',
);

measure(
  'ORDER BY CreatedDate DESC, Id (full sort)',
  org,
  'SELECT Id FROM PermissionSetAssignment ORDER BY CreatedDate DESC, Id',
);

measure(
  'keyset page: WHERE Id > :last ORDER BY Id LIMIT 2000',
  org,
  `SELECT Id, AssigneeId FROM PermissionSetAssignment WHERE Id > '${fixtureId('0Pa', 250_000)}' ORDER BY Id LIMIT 2000`,
);
