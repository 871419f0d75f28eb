import { describe, expect, it } from 'vitest';
import { runSoql, SoqlError } from './index.js';
import { InMemoryOrg, NOW } from './test-fixtures.js';

const org = new InMemoryOrg();

/** The SoqlError a statement fails with (the test fails if it does not throw one). */
function failure(soql: string): SoqlError {
  try {
    runSoql(soql, org, { includeDeleted: false, apiVersion: '63.0', now: NOW });
  } catch (error) {
    if (error instanceof SoqlError) return error;
    throw error;
  }
  throw new Error(`expected a SoqlError for: ${soql}`);
}

const CUSTOM_FIELD_HINT =
  "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. " +
  'Please reference your WSDL or the describe call for the appropriate names.';

describe('Salesforce-shaped errors', () => {
  it('MALFORMED_QUERY for a syntax error, placed with excerpt, caret and Row/Column', () => {
    const error = failure('SELECT Id, FROM User');
    expect(error).toMatchObject({ statusCode: 400, errorCode: 'MALFORMED_QUERY' });
    expect(error.message).toBe(
      "\nSELECT Id, FROM User\n           ^\nERROR at Row:1:Column:12\nunexpected token: 'FROM'",
    );
  });

  it('counts rows and columns on multi-line statements', () => {
    const error = failure('SELECT Id\nFROM User\nWHERE Nope__c = 1');
    expect(error.message).toBe(
      `\nWHERE Nope__c = 1\n      ^\nERROR at Row:3:Column:7\nNo such column 'Nope__c' on entity 'User'. ${CUSTOM_FIELD_HINT}`,
    );
  });

  it('reports the end of the statement for a truncated one', () => {
    expect(failure('SELECT Id FROM').message).toContain("unexpected token: '<EOF>'");
  });

  it('INVALID_TYPE for an unknown object, in Salesforce words', () => {
    const error = failure('SELECT Id FROM Accountz LIMIT 2');
    expect(error.errorCode).toBe('INVALID_TYPE');
    expect(error.message).toBe(
      "\nSELECT Id FROM Accountz LIMIT 2\n               ^\nERROR at Row:1:Column:16\nsObject type 'Accountz' is not supported. " +
        "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. " +
        'Please reference your WSDL or the describe call for the appropriate names.',
    );
  });

  it('INVALID_TYPE_FOR_OPERATION for an object describe marks not queryable', () => {
    expect(failure('SELECT Id FROM AggregateResult')).toMatchObject({
      errorCode: 'INVALID_TYPE_FOR_OPERATION',
      message: expect.stringContaining('entity type AggregateResult does not support query'),
    });
  });

  it('INVALID_FIELD for an unknown column in SELECT, WHERE, ORDER BY and subqueries', () => {
    const select = failure('SELECT Id, Foo FROM User');
    expect(select.errorCode).toBe('INVALID_FIELD');
    expect(select.message).toBe(
      `\nSELECT Id, Foo FROM User\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'User'. ${CUSTOM_FIELD_HINT}`,
    );
    expect(failure("SELECT Id FROM User WHERE Titel = 'x'").message).toContain(
      "No such column 'Titel' on entity 'User'",
    );
    expect(failure('SELECT Id FROM User ORDER BY Nmae').message).toContain(
      "No such column 'Nmae' on entity 'User'",
    );
    expect(failure('SELECT Id, (SELECT Bogus FROM PermissionSetAssignments) FROM User').message).toContain(
      "No such column 'Bogus' on entity 'PermissionSetAssignment'",
    );
    expect(failure('SELECT Profile.Bogus FROM User').message).toContain(
      "No such column 'Bogus' on entity 'Profile'",
    );
  });

  it('INVALID_FIELD for a relationship that does not exist in a path', () => {
    const error = failure('SELECT Id, Profil.Name FROM User');
    expect(error.errorCode).toBe('INVALID_FIELD');
    expect(error.message).toContain(
      "ERROR at Row:1:Column:12\nDidn't understand relationship 'Profil' in field path. If you are attempting to use a custom relationship, " +
        "be sure to append the '__r' after the custom relationship name.",
    );
  });

  it('INVALID_TYPE for an unknown child relationship', () => {
    const error = failure('SELECT Id, (SELECT Id FROM Assignmentz) FROM User');
    expect(error.errorCode).toBe('INVALID_TYPE');
    expect(error.message).toContain(
      "Didn't understand relationship 'Assignmentz' in FROM part of query call.",
    );
  });

  it('INVALID_FIELD for a field that cannot be filtered; MALFORMED_QUERY for one that cannot be sorted', () => {
    expect(failure("SELECT Id FROM User WHERE AboutMe = 'x'")).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining("field 'AboutMe' can not be filtered in query call"),
    });
    expect(failure('SELECT Id FROM PermissionSet ORDER BY Description')).toMatchObject({
      errorCode: 'MALFORMED_QUERY',
      message: expect.stringContaining("field 'Description' can not be sorted in a query call"),
    });
  });
});

describe('grammar rules soql-parser-js does not enforce', () => {
  it('rejects AND and OR mixed without parentheses, at the second operator', () => {
    const error = failure("SELECT Id FROM User WHERE IsActive = true AND Name = 'a' OR Name = 'b'");
    expect(error.message).toContain("ERROR at Row:1:Column:58\nunexpected token: 'OR'");
  });

  it('rejects NOT after AND/OR unless parenthesised', () => {
    expect(failure("SELECT Id FROM User WHERE IsActive = true AND NOT Name = 'a'").message).toContain(
      "unexpected token: 'NOT'",
    );
  });

  it('accepts the same operator repeated, and NOT inside parentheses', () => {
    const options = { includeDeleted: false, apiVersion: '63.0' };
    expect(() =>
      runSoql("SELECT Id FROM User WHERE IsActive = true AND (NOT Name = 'a')", org, options),
    ).not.toThrow();
    expect(() =>
      runSoql("SELECT Id FROM User WHERE Name = 'a' OR Name = 'b' OR Name = 'c'", org, options),
    ).not.toThrow();
  });

  it('rejects invalid escapes, and \\% outside LIKE', () => {
    expect(failure("SELECT Id FROM User WHERE Name = 'a\\qb'").message).toContain(
      "Illegal character sequence '\\q'",
    );
    expect(failure("SELECT Id FROM User WHERE Name = '100\\%'").message).toContain(
      "Illegal character sequence '\\%'",
    );
  });

  it('rejects aliases on plain fields and duplicate fields', () => {
    expect(failure('SELECT Name n FROM User').message).toContain("unexpected token: 'n'");
    expect(failure('SELECT Id, Name, id FROM User').message).toContain('duplicate field selected: Id');
  });
});

describe('limits', () => {
  it('a statement longer than 100,000 characters', () => {
    const long = `SELECT Id FROM User WHERE Name IN (${Array.from({ length: 9000 }, () => "'abcdefghij'").join(',')})`;
    expect(long.length).toBeGreaterThan(100_000);
    expect(failure(long)).toMatchObject({
      errorCode: 'MALFORMED_QUERY',
      message: 'SOQL statements can not be longer than 100000 characters',
    });
  });

  it('a string literal longer than 4,000 characters, counted after unescaping', () => {
    const options = { includeDeleted: false, apiVersion: '63.0' };
    expect(() =>
      runSoql(`SELECT Id FROM User WHERE Name = '${'a'.repeat(4000)}'`, org, options),
    ).not.toThrow();
    expect(() =>
      runSoql(`SELECT Id FROM User WHERE Name = '${"\\'".repeat(4000)}'`, org, options),
    ).not.toThrow();
    const error = failure(`SELECT Id FROM User WHERE Name = '${'a'.repeat(4001)}'`);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain('ERROR at Row:1:Column:34\nString literal too long: 4001 characters');
  });

  it('OFFSET above 2,000', () => {
    expect(failure('SELECT Id FROM User OFFSET 2001')).toMatchObject({
      errorCode: 'NUMBER_OUTSIDE_VALID_RANGE',
      message: 'Maximum SOQL offset allowed is 2000',
    });
  });
});

describe('literal and operator checks', () => {
  it('a quoted value for a boolean, number, date or datetime field', () => {
    expect(failure("SELECT Id FROM User WHERE IsActive = 'true'").message).toContain(
      "value of filter criterion for field 'IsActive' must be of type boolean and should not be enclosed in quotes",
    );
    expect(failure("SELECT Id FROM User WHERE Quota__c = '5'")).toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
    expect(failure("SELECT Id FROM User WHERE LastLoginDate > '2026-01-01'")).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: expect.stringContaining('must be of type dateTime and should not be enclosed in quotes'),
    });
    expect(failure('SELECT Id FROM User WHERE HireDate__c = 2026-01-01T00:00:00Z').message).toContain(
      "'HireDate__c' must be of type date",
    );
  });

  it('an unquoted value for a text field', () => {
    expect(failure('SELECT Id FROM User WHERE Name = 5').message).toContain(
      "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
    );
  });

  it('INVALID_QUERY_FILTER_OPERATOR for a malformed Id and for operators a type does not take', () => {
    const error = failure("SELECT Id FROM User WHERE ProfileId = '00e123'");
    expect(error).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' });
    expect(error.message).toContain('ERROR at Row:1:Column:39\ninvalid ID field: 00e123');
    expect(failure("SELECT Id FROM User WHERE Id LIKE '005%'").message).toContain(
      'invalid operator on id field',
    );
    expect(failure('SELECT Id FROM User WHERE IsActive > false').message).toContain(
      'invalid operator on boolean field',
    );
  });

  it('COUNT() must stand alone', () => {
    expect(failure('SELECT COUNT(), Name FROM User').errorCode).toBe('MALFORMED_QUERY');
  });
});

describe('semi-join rules', () => {
  it('rejects nested semi-joins', () => {
    expect(
      failure(
        'SELECT Id FROM User WHERE Id IN (SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId IN ' +
          '(SELECT Id FROM PermissionSet))',
      ).message,
    ).toContain('Nesting of semi join sub-selects is not supported');
  });

  it('rejects a subquery field that points at another object', () => {
    expect(
      failure('SELECT Id FROM User WHERE Id IN (SELECT PermissionSetId FROM PermissionSetAssignment)')
        .message,
    ).toContain(
      "The selected field 'PermissionSetId' in the subquery and the left operand field in the where expression in the outer query 'Id' should point to the same object type",
    );
  });

  it('rejects a semi-join on the object of the outer query', () => {
    expect(failure('SELECT Id FROM User WHERE ManagerId IN (SELECT Id FROM User)').message).toContain(
      'The inner and outer selects should not be on the same object type',
    );
  });

  it('rejects a semi-join on a field that is not an Id', () => {
    expect(
      failure('SELECT Id FROM User WHERE Name IN (SELECT AssigneeId FROM PermissionSetAssignment)').message,
    ).toContain('semi join sub-selects are only supported on Id and reference fields');
  });
});

describe('valid SOQL the emulator does not evaluate fails loudly', () => {
  it.each([
    ['SELECT Department FROM User GROUP BY Department', 'GROUP BY'],
    ['SELECT TYPEOF Owner WHEN User THEN Name END FROM Case', 'TYPEOF'],
    ['SELECT Id FROM User FOR VIEW', 'FOR VIEW'],
    ['SELECT Id FROM User WITH SECURITY_ENFORCED', 'WITH SECURITY_ENFORCED'],
    ['SELECT Id FROM User WITH USER_MODE', 'WITH USER_MODE'],
    ['SELECT FIELDS(ALL) FROM User LIMIT 200', 'FIELDS(ALL)'],
    ['SELECT COUNT(Id) FROM User', 'aggregate functions such as COUNT(Id)'],
    ['SELECT toLabel(UserType) FROM User', 'the function toLabel(UserType)'],
    ['SELECT Id FROM User USING SCOPE Mine', 'USING SCOPE'],
    ["SELECT Id FROM User WHERE Department INCLUDES ('Sales')", 'INCLUDES/EXCLUDES'],
    [
      'SELECT Id FROM User WHERE CALENDAR_YEAR(CreatedDate) = 2026',
      'functions in WHERE such as CALENDAR_YEAR()',
    ],
    ['SELECT Id FROM User WHERE CreatedDate = THIS_FISCAL_YEAR', 'fiscal date literals'],
    ['SELECT Id FROM User WHERE Quota__c > USD100', 'the literal USD100'],
    ['SELECT Id FROM User ORDER BY COUNT(Id)', 'functions in ORDER BY'],
    [
      'SELECT Id, (SELECT Id FROM PermissionSetAssignments OFFSET 1) FROM User LIMIT 1',
      'OFFSET in a parent-to-child subquery',
    ],
  ])('%s', (soql, feature) => {
    const error = failure(soql);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain(`The Salesforce emulator does not support ${feature}`);
  });
});

describe('error placement', () => {
  it('points a WHERE error at the WHERE clause even when the SELECT list names the same field', () => {
    const error = failure("SELECT AboutMe FROM User WHERE AboutMe = 'x'");
    expect(error.message).toContain('ERROR at Row:1:Column:32');
  });
});
