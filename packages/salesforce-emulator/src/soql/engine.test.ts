import { describe, expect, it } from 'vitest';
import { runSoql } from './index.js';
import type { SoqlQueryResult } from './index.js';
import { GROUP, InMemoryOrg, NOW, PERMISSION_SET, PROFILE, RECORDS, USER } from './test-fixtures.js';
import type { SObjectRecord } from './types.js';

const org = new InMemoryOrg();

function run(soql: string, includeDeleted = false): SoqlQueryResult {
  return runSoql(soql, org, { includeDeleted, apiVersion: '63.0', now: NOW });
}

function records(soql: string): Record<string, unknown>[] {
  const result = run(soql);
  return result.rows.map((row) => result.project(row));
}

function names(soql: string, includeDeleted = false): unknown[] {
  return run(soql, includeDeleted).rows.map((row) => row['Name']);
}

describe('SELECT projection', () => {
  it('returns attributes and the selected fields in canonical casing and SELECT order', () => {
    const [ada] = records("select NAME, id, profile.name from USER where username = 'ada@acme.example'");
    expect(Object.keys(ada ?? {})).toEqual(['attributes', 'Name', 'Id', 'Profile']);
    expect(ada).toEqual({
      attributes: { type: 'User', url: `/services/data/v63.0/sobjects/User/${USER.ada}` },
      Name: 'Ada Admin',
      Id: USER.ada,
      Profile: {
        attributes: { type: 'Profile', url: `/services/data/v63.0/sobjects/Profile/${PROFILE.admin}` },
        Name: 'System Administrator',
      },
    });
  });

  it('reports the canonical object name whatever the statement casing', () => {
    expect(run('SELECT Id FROM permissionsetASSIGNMENT').objectName).toBe('PermissionSetAssignment');
  });

  it('nests parent paths of any depth and gathers fields of one parent under one key', () => {
    const [bob] = records(
      `SELECT Profile.UserLicense.Name, ProfileId, Profile.Name FROM User WHERE Id = '${USER.bob}'`,
    );
    expect(bob).toMatchObject({
      Profile: {
        Name: 'Standard User',
        UserLicense: { attributes: { type: 'UserLicense' }, Name: 'Salesforce' },
      },
      ProfileId: PROFILE.standard,
    });
    expect(Object.keys(bob ?? {})).toEqual(['attributes', 'Profile', 'ProfileId']);
  });

  it('returns null for a parent that is not set, at any level of the path', () => {
    const [ada] = records(`SELECT Manager.Name FROM User WHERE Id = '${USER.ada}'`);
    expect(ada?.['Manager']).toBeNull();
    const [dan] = records(`SELECT Profile.UserLicense.Name FROM User WHERE Id = '${USER.dan}'`);
    expect(dan?.['Profile']).toMatchObject({ UserLicense: null });
  });

  it('returns null for fields the record does not hold', () => {
    const [cleo] = records(`SELECT Department, LastLoginDate FROM User WHERE Id = '${USER.cleo}'`);
    expect(cleo).toMatchObject({ Department: null, LastLoginDate: null });
  });

  it('reports a polymorphic parent with type Name and the URL of its real object', () => {
    const cases = records('SELECT Subject, Owner.Name FROM Case ORDER BY Subject');
    expect(cases.map((row) => row['Owner'])).toEqual([
      {
        attributes: { type: 'Name', url: `/services/data/v63.0/sobjects/User/${USER.bob}` },
        Name: 'Bob Builder',
      },
      {
        attributes: { type: 'Name', url: `/services/data/v63.0/sobjects/Group/${GROUP.queue}` },
        Name: 'Tier 1 Queue',
      },
    ]);
  });

  it('accepts the object alias as a prefix of fields', () => {
    const [cleo] = records('SELECT u.Name, u.Profile.Name FROM User u WHERE u.IsActive = false');
    expect(cleo).toMatchObject({ Name: "Cleo O'Brien", Profile: { Name: 'Standard User' } });
  });

  it('hands back the stored records themselves and projects nothing up front', () => {
    const result = run(`SELECT Name FROM User WHERE Id = '${USER.eve}'`);
    expect(result.rows[0]).toBe(RECORDS['User']?.find((row) => row['Id'] === USER.eve));
  });
});

describe('child relationship subqueries', () => {
  const soql =
    'SELECT Name, (SELECT PermissionSet.Name, ExpirationDate FROM PermissionSetAssignments ' +
    'WHERE IsActive = true ORDER BY CreatedDate DESC LIMIT 2) FROM User WHERE IsActive = true ORDER BY Name';

  it('nests matching children as a query result, with their own WHERE, ORDER BY and LIMIT', () => {
    const [ada] = records(soql);
    expect(ada?.['PermissionSetAssignments']).toEqual({
      totalSize: 2,
      done: true,
      records: [
        expect.objectContaining({
          PermissionSet: expect.objectContaining({ Name: 'Modify_All' }),
          ExpirationDate: null,
        }),
        expect.objectContaining({ PermissionSet: expect.objectContaining({ Name: 'View_Setup' }) }),
      ],
    });
  });

  it('returns null for a parent without matching children', () => {
    const byName = new Map(records(soql).map((row) => [row['Name'], row['PermissionSetAssignments']]));
    expect(byName.get('Dan Percent')).toBeNull();
    expect(byName.get('Bob Builder')).toMatchObject({ totalSize: 1 });
  });

  it('resolves the relationship name case-insensitively and keys the result with its canonical name', () => {
    const [ada] = records(
      `SELECT (SELECT Id FROM permissionsetassignments) FROM User WHERE Id = '${USER.ada}'`,
    );
    expect(ada).toHaveProperty('PermissionSetAssignments.totalSize', 3);
  });
});

describe('COUNT()', () => {
  it('counts matching rows and returns no records', () => {
    const result = run('SELECT COUNT() FROM User WHERE IsActive = true');
    expect(result).toMatchObject({ isCount: true, totalSize: 4, rows: [] });
  });

  it('applies LIMIT to the count', () => {
    expect(run('SELECT COUNT() FROM User LIMIT 2').totalSize).toBe(2);
  });
});

describe('ORDER BY', () => {
  it('sorts ascending with nulls first by default', () => {
    expect(names('SELECT Name FROM User ORDER BY Department, Name')).toEqual([
      "Cleo O'Brien",
      'Ada Admin',
      'Dan Percent',
      'Bob Builder',
      'Eve Émile',
    ]);
  });

  it('sorts descending with nulls last by default', () => {
    expect(names('SELECT Name FROM User ORDER BY LastLoginDate DESC')).toEqual([
      'Dan Percent',
      'Ada Admin',
      'Bob Builder',
      'Eve Émile',
      "Cleo O'Brien",
    ]);
  });

  it('honours explicit NULLS FIRST / NULLS LAST', () => {
    expect(names('SELECT Name FROM User ORDER BY Quota__c ASC NULLS LAST').at(-1)).toBe("Cleo O'Brien");
    expect(names('SELECT Name FROM User ORDER BY Quota__c DESC NULLS FIRST')[0]).toBe("Cleo O'Brien");
  });

  it('sorts on several keys, booleans, numbers and parent paths', () => {
    expect(names('SELECT Name FROM User ORDER BY IsActive DESC, Quota__c DESC')).toEqual([
      'Ada Admin',
      'Bob Builder',
      'Eve Émile',
      'Dan Percent',
      "Cleo O'Brien",
    ]);
    expect(names('SELECT Name FROM User ORDER BY Profile.Name DESC, Name LIMIT 2')).toEqual([
      'Ada Admin',
      'Bob Builder',
    ]);
  });

  it('sorts text case-insensitively', () => {
    const groups = new InMemoryOrg();
    groups.insert('Group', [
      { Id: '00G8dA0b0000009', IsDeleted: false, Name: 'beta', Type: 'Regular' },
      { Id: '00G8dA0b0000008', IsDeleted: false, Name: 'Gamma', Type: 'Regular' },
    ]);
    const result = runSoql('SELECT Name FROM Group ORDER BY Name', groups, {
      includeDeleted: false,
      apiVersion: '63.0',
    });
    expect(result.rows.map((row) => row['Name'])).toEqual(['beta', 'Gamma', 'Tier 1 Queue']);
  });
});

describe('LIMIT and OFFSET', () => {
  it('skips OFFSET rows then keeps LIMIT rows, and reports what it kept as totalSize', () => {
    const result = run('SELECT Name FROM User ORDER BY Name LIMIT 2 OFFSET 1');
    expect(result.rows.map((row) => row['Name'])).toEqual(['Bob Builder', "Cleo O'Brien"]);
    expect(result.totalSize).toBe(2);
  });

  it('returns nothing for an offset past the end and for LIMIT 0', () => {
    expect(run('SELECT Id FROM User OFFSET 2000').totalSize).toBe(0);
    expect(run('SELECT Id FROM User LIMIT 0').rows).toEqual([]);
  });

  it('stops reading the object once LIMIT rows matched when there is no ORDER BY', () => {
    let visited = 0;
    const counting = new InMemoryOrg();
    const scan = counting.scan.bind(counting);
    counting.scan = (objectName, options) => {
      const rows = [...scan(objectName, options)];
      return (function* () {
        for (const row of rows) {
          visited++;
          yield row;
        }
      })();
    };
    const result = runSoql('SELECT Id FROM User LIMIT 2', counting, {
      includeDeleted: false,
      apiVersion: '63.0',
    });
    expect(result.totalSize).toBe(2);
    expect(visited).toBe(2);
  });
});

describe('queryAll', () => {
  it('includes deleted rows only when asked to', () => {
    expect(names("SELECT Name FROM User WHERE LastName = 'Removed'")).toEqual([]);
    expect(names("SELECT Name FROM User WHERE LastName = 'Removed'", true)).toEqual(['Zed Removed']);
  });
});

describe('Id comparison', () => {
  const ada15 = USER.ada.slice(0, 15);

  it('matches an 18-character Id with its 15-character form, on Id and reference fields', () => {
    expect(names(`SELECT Name FROM User WHERE Id = '${ada15}'`)).toEqual(['Ada Admin']);
    expect(names(`SELECT Name FROM User WHERE ManagerId = '${ada15}' ORDER BY Name`)).toEqual([
      'Bob Builder',
      "Cleo O'Brien",
    ]);
    expect(names(`SELECT Name FROM User WHERE Id IN ('${ada15}', '${USER.bob}') ORDER BY Name`)).toEqual([
      'Ada Admin',
      'Bob Builder',
    ]);
  });

  it('compares the first 15 characters case-sensitively', () => {
    expect(names(`SELECT Name FROM User WHERE Id = '${ada15.toLowerCase()}'`)).toEqual([]);
  });

  it('orders and compares Ids on their 15-character form (keyset pagination)', () => {
    const after = run(`SELECT Id FROM PermissionSet WHERE Id > '${PERMISSION_SET.modifyAll}' ORDER BY Id`);
    expect(after.rows.map((row: SObjectRecord) => row['Id'])).toEqual([
      PERMISSION_SET.viewSetup,
      PERMISSION_SET.adminProfile,
    ]);
  });
});
