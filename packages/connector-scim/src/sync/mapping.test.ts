import { describe, expect, it } from 'vitest';
import { accountFromUser, valueEntitlement } from './mapping.js';

describe('accountFromUser', () => {
  it('falls back from displayName to name parts to userName, and reads Salesforce’s managerId', () => {
    const account = accountFromUser({
      id: '005',
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'other@example.com' }, { value: 'ada@example.com', primary: true }],
      password: 'never stored',
      meta: { lastModified: '2026-01-01T00:00:00Z', version: 'W/"9"', created: '2025-01-01T00:00:00Z' },
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
        manager: { managerId: '005M', displayName: 'Boss' },
      },
    });
    expect(account).toEqual({
      externalId: '005',
      username: 'ada@example.com',
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      status: 'active',
      accountType: null,
      createdAt: new Date('2025-01-01T00:00:00Z'),
      attributes: {
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        manager: { id: '005M', displayName: 'Boss' },
      },
    });
  });

  it('keeps per-user flags such as primary out of a value entitlement', () => {
    expect(
      valueEntitlement('role', { value: 'r1', display: 'Reader', primary: true, type: 'app' }),
    ).toMatchObject({
      type: 'role',
      externalId: 'r1',
      name: 'Reader',
      attributes: { type: 'app' },
    });
  });
});
