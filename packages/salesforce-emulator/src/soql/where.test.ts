import { describe, expect, it } from 'vitest';
import { runSoql } from './index.js';
import { InMemoryOrg, NOW, PROFILE, USER } from './test-fixtures.js';

const org = new InMemoryOrg();

/** Names of the Users a WHERE clause keeps, sorted. */
function users(where: string): unknown[] {
  const result = runSoql(`SELECT Name FROM User WHERE ${where} ORDER BY Name`, org, {
    includeDeleted: false,
    apiVersion: '63.0',
    now: NOW,
  });
  return result.rows.map((row) => row['Name']);
}

const ADA = 'Ada Admin';
const BOB = 'Bob Builder';
const CLEO = "Cleo O'Brien";
const DAN = 'Dan Percent';
const EVE = 'Eve Émile';

describe('comparison operators on text', () => {
  it('= and != compare case-insensitively; != keeps nulls', () => {
    expect(users("Department = 'SALES'")).toEqual([BOB]);
    expect(users("Department != 'sales'")).toEqual([ADA, CLEO, DAN, EVE]);
    expect(users("Department <> 'sales'")).toEqual([ADA, CLEO, DAN, EVE]);
  });

  it('<, <=, >, >= order text and never match null', () => {
    expect(users("Department < 'R'")).toEqual([ADA]);
    expect(users("Department <= 'sales'")).toEqual([ADA, BOB, DAN]);
    expect(users("Department > 'Sales'")).toEqual([EVE]);
    expect(users("Department >= 'sales'")).toEqual([BOB, EVE]);
  });

  it('IN and NOT IN, with null as a member', () => {
    expect(users("Department IN ('sales', 'Engineering')")).toEqual([ADA, BOB]);
    expect(users("Department NOT IN ('sales', 'Engineering')")).toEqual([CLEO, DAN, EVE]);
    expect(users("Department IN (null, 'Sales')")).toEqual([BOB, CLEO]);
    expect(users("Department NOT IN (null, 'Sales')")).toEqual([ADA, DAN, EVE]);
  });

  it('LIKE: case-insensitive, % for any run, _ for one character', () => {
    expect(users("Name LIKE 'a%'")).toEqual([ADA]);
    expect(users("Name LIKE '%BUILDER'")).toEqual([BOB]);
    expect(users("Department LIKE '%ale%'")).toEqual([BOB, EVE]);
    expect(users("Name LIKE '_ve %'")).toEqual([EVE]);
    expect(users("Department LIKE 'S%s%s'")).toEqual([EVE]);
    expect(users("Department LIKE 'Sales'")).toEqual([BOB]);
  });

  it('LIKE: \\% and \\_ match the characters themselves', () => {
    expect(users("Department LIKE 'R&D\\_100\\%'")).toEqual([DAN]);
    expect(users("Department LIKE '%\\%'")).toEqual([DAN]);
    expect(users("Department LIKE 'R&D\\_1'")).toEqual([]);
  });
});

describe('literals', () => {
  it('decodes string escapes', () => {
    expect(users("LastName = 'O\\'Brien'")).toEqual([CLEO]);
    expect(users("LastName = '\\u00c9mile'")).toEqual([EVE]);
    expect(users("LastName = '\\u00e9mile'")).toEqual([EVE]);
  });

  it('compares numbers: integers, decimals, negatives', () => {
    expect(users('Quota__c > 100000')).toEqual([ADA]);
    expect(users('Quota__c = 250000.5')).toEqual([ADA]);
    expect(users('Quota__c >= 100000')).toEqual([ADA, BOB]);
    expect(users('Quota__c <= 0')).toEqual([DAN]);
    expect(users('Quota__c > -1 AND Quota__c < 80000')).toEqual([DAN, EVE]);
    expect(users('Quota__c IN (0, 75000)')).toEqual([DAN, EVE]);
    expect(users('FailedLogins__c >= 2')).toEqual([BOB, CLEO]);
  });

  it('compares booleans and null', () => {
    expect(users('IsActive = false')).toEqual([CLEO]);
    expect(users('IsActive != TRUE')).toEqual([CLEO]);
    expect(users('Department = null')).toEqual([CLEO]);
    expect(users('Department != null AND Quota__c = NULL')).toEqual([]);
    expect(users('LastLoginDate = null')).toEqual([CLEO]);
  });

  it('compares date fields with date literals', () => {
    expect(users('HireDate__c = 2026-03-02')).toEqual([BOB]);
    expect(users('HireDate__c > 2025-12-31')).toEqual([BOB, CLEO]);
    expect(users('HireDate__c <= 2025-12-31')).toEqual([ADA, DAN, EVE]);
    expect(users('HireDate__c IN (2025-11-30, 2020-06-01)')).toEqual([ADA, EVE]);
  });

  it('compares datetimes chronologically whatever the literal form', () => {
    expect(users('LastLoginDate > 2026-03-01T00:00:00Z')).toEqual([ADA, DAN]);
    expect(users('LastLoginDate = 2026-03-01T12:00:00.000+0000')).toEqual([ADA]);
    expect(users('LastLoginDate = 2026-03-01T04:00:00-08:00')).toEqual([ADA]);
    expect(users('LastLoginDate = 2026-03-01T13:30:00+01:30')).toEqual([ADA]);
    expect(users('LastLoginDate < 2026-02-28T00:00:00Z')).toEqual([BOB, EVE]);
  });
});

describe('date literals (now = Monday 2026-03-02 10:00 UTC)', () => {
  it('TODAY, YESTERDAY, TOMORROW on datetime and date fields', () => {
    expect(users('LastLoginDate = TODAY')).toEqual([DAN]);
    expect(users('LastLoginDate = YESTERDAY')).toEqual([ADA]);
    expect(users('LastLoginDate < TODAY')).toEqual([ADA, BOB, EVE]);
    expect(users('LastLoginDate > YESTERDAY')).toEqual([DAN]);
    expect(users('HireDate__c = TODAY')).toEqual([BOB]);
    expect(users('HireDate__c >= TOMORROW')).toEqual([]);
  });

  it('LAST_N_DAYS:n includes today; N_DAYS_AGO:n is one day', () => {
    expect(users('LastLoginDate = LAST_N_DAYS:1')).toEqual([ADA, DAN]);
    expect(users('LastLoginDate = LAST_N_DAYS:3')).toEqual([ADA, BOB, DAN]);
    expect(users('HireDate__c = N_DAYS_AGO:20')).toEqual([CLEO]);
    expect(users('HireDate__c = LAST_90_DAYS')).toEqual([BOB, CLEO, DAN]);
  });

  it('weeks start on Sunday, months and years on the first', () => {
    expect(users('LastLoginDate = THIS_WEEK')).toEqual([ADA, DAN]);
    expect(users('LastLoginDate = LAST_WEEK')).toEqual([BOB]);
    expect(users('LastLoginDate = THIS_MONTH')).toEqual([ADA, DAN]);
    expect(users('LastLoginDate = LAST_MONTH')).toEqual([BOB]);
    expect(users('LastLoginDate = LAST_N_MONTHS:2')).toEqual([BOB, EVE]);
    expect(users('HireDate__c = THIS_YEAR')).toEqual([BOB, CLEO]);
    expect(users('HireDate__c = LAST_YEAR')).toEqual([DAN, EVE]);
    expect(users('HireDate__c < THIS_QUARTER')).toEqual([ADA, DAN, EVE]);
    expect(users('HireDate__c IN (TODAY, 2020-06-01)')).toEqual([ADA, BOB]);
  });
});

describe('logical operators', () => {
  it('AND, OR and parentheses', () => {
    expect(users("IsActive = true AND Department LIKE 'Sales%'")).toEqual([BOB, EVE]);
    expect(users("Department = 'Sales' OR Department = 'Engineering' OR Department = null")).toEqual([
      ADA,
      BOB,
      CLEO,
    ]);
    expect(users("(Department = 'Sales' OR Department = 'Engineering') AND Quota__c > 200000")).toEqual([
      ADA,
    ]);
    expect(users("Department = 'Sales' OR (Department = 'Engineering' AND Quota__c < 0)")).toEqual([BOB]);
    expect(users("((Department = 'Sales'))")).toEqual([BOB]);
  });

  it('NOT negates the condition or group that follows it', () => {
    expect(users("NOT Department = 'Sales'")).toEqual([ADA, CLEO, DAN, EVE]);
    expect(users("NOT (Department = 'Sales' OR IsActive = false)")).toEqual([ADA, DAN, EVE]);
    expect(users("IsActive = true AND (NOT Department LIKE 'Sales%')")).toEqual([ADA, DAN]);
    expect(users("NOT Department = 'Sales' AND IsActive = true")).toEqual([ADA, DAN, EVE]);
  });
});

describe('parent paths in WHERE', () => {
  it('filters on fields of parents at any depth', () => {
    expect(users("Profile.Name = 'Standard User'")).toEqual([BOB, CLEO, EVE]);
    expect(users("Profile.UserLicense.Name = 'Salesforce' AND IsActive = true")).toEqual([ADA, BOB, EVE]);
    expect(users('Manager.Name = null')).toEqual([ADA, EVE]);
    expect(users("Manager.Manager.Name = 'Ada Admin'")).toEqual([DAN]);
  });
});

describe('semi-joins and anti-joins', () => {
  it('Id IN (SELECT ...) keeps rows whose Id the subquery returns', () => {
    expect(
      users(
        'Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.PermissionsModifyAllData = true)',
      ),
    ).toEqual([ADA, CLEO]);
  });

  it('NOT IN (SELECT ...) keeps the others', () => {
    expect(users('Id NOT IN (SELECT AssigneeId FROM PermissionSetAssignment)')).toEqual([DAN, EVE]);
  });

  it('works on reference fields and combines with other conditions', () => {
    expect(
      users(
        'ProfileId IN (SELECT ProfileId FROM PermissionSet WHERE IsOwnedByProfile = true) OR ManagerId = null',
      ),
    ).toEqual([ADA, EVE]);
    expect(
      users(`Id IN (SELECT AssigneeId FROM PermissionSetAssignment) AND ProfileId = '${PROFILE.standard}'`),
    ).toEqual([BOB, CLEO]);
  });

  it('matches a large IN list of Ids', () => {
    const ids = Array.from({ length: 1000 }, (_, index) => `'005${String(index).padStart(12, '0')}'`);
    ids.push(`'${USER.eve.slice(0, 15)}'`);
    expect(users(`Id IN (${ids.join(',')})`)).toEqual([EVE]);
  });
});
