import { EntitlementTypes } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { aliasFor, changedFields, newUserFields } from './accounts.js';
import { entitlementIdOf, userIdOf } from './lookups.js';

describe('new user fields', () => {
  it('derives an alias of at most 8 characters from the name, or the username', () => {
    expect(aliasFor('Ada', 'Lovelace', 'ada@example.com')).toBe('alovelac');
    expect(aliasFor(undefined, 'Ng', 'x@example.com')).toBe('ng');
    expect(aliasFor('Zoë', "O'Brien-Ó", 'z@example.com')).toBe('zobrieno');
    expect(aliasFor(undefined, '李', 'li.wei@example.com')).toBe('liwei');
  });

  it('fills locale defaults, lets attributes override them, and keeps the profile from the entitlement', () => {
    const fields = newUserFields(
      {
        username: 'ada@example.com',
        email: 'ada@example.com',
        displayName: 'Ada King Lovelace',
        attributes: { LocaleSidKey: 'en_GB', Cost_Center__c: 'CC-1' },
      },
      '00e000000000001AAA',
      undefined,
    );
    expect(fields).toEqual({
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_GB',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      Username: 'ada@example.com',
      Email: 'ada@example.com',
      FirstName: 'Ada King',
      LastName: 'Lovelace',
      Alias: 'alovelac',
      Cost_Center__c: 'CC-1',
      ProfileId: '00e000000000001AAA',
    });
  });

  it('refuses attribute names that are not field names, and managed fields', () => {
    expect(() => changedFields({ attributes: { 'Bad Name': 1 } })).toThrow(/not a User field API name/);
    expect(() => changedFields({ attributes: { IsActive: false } })).toThrow(/use the deactivate action/);
    expect(() => changedFields({ attributes: { Nested: { a: 1 } } })).toThrow(/not an object or list/);
  });

  it('splits a display name only when first and last names are not given', () => {
    expect(changedFields({ displayName: 'Grace Brewster Hopper' })).toEqual({
      FirstName: 'Grace Brewster',
      LastName: 'Hopper',
    });
    expect(changedFields({ displayName: 'ignored', lastName: 'Hopper' })).toEqual({ LastName: 'Hopper' });
  });
});

describe('ids', () => {
  it('checks user and entitlement Ids against their key prefixes and returns 18 characters', () => {
    expect(userIdOf('005000000000001')).toBe('005000000000001AAA');
    expect(() => userIdOf('00e000000000001AAA')).toThrow(/not a Salesforce user Id/);
    expect(entitlementIdOf(EntitlementTypes.permissionSetGroup, '0PG000000000001')).toBe(
      '0PG000000000001GAA',
    );
    expect(() => entitlementIdOf(EntitlementTypes.role, '00e000000000001AAA')).toThrow(
      /not a UserRole Id.*00E/,
    );
    expect(() => entitlementIdOf('territory', '0TM000000000001AAA')).toThrow(
      /no entitlement type "territory"/,
    );
  });
});
