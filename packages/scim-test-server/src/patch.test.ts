import { describe, expect, it } from 'vitest';
import type { ScimProtocolError } from './errors.js';
import { applyPatch } from './patch.js';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const patch = (current: Record<string, unknown>, ...operations: unknown[]) =>
  applyPatch(current, { schemas: [PATCH], Operations: operations });

describe('PATCH operations (RFC 7644 §3.5.2)', () => {
  it('add appends to multi-valued attributes without duplicates, and merges objects', () => {
    const next = patch(
      { roles: [{ value: 'admin' }], name: { givenName: 'Ada' } },
      { op: 'add', path: 'roles', value: [{ value: 'admin' }, { value: 'auditor' }] },
      { op: 'add', value: { name: { familyName: 'Lovelace' }, title: 'Countess' } },
    );
    expect(next).toEqual({
      roles: [{ value: 'admin' }, { value: 'auditor' }],
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      title: 'Countess',
    });
  });

  it('replace sets sub-attributes and extension attributes; remove with a value path removes matches', () => {
    const next = patch(
      { active: true, members: [{ value: 'u1' }, { value: 'u2' }] },
      { op: 'replace', path: 'active', value: false },
      { op: 'replace', path: 'name.givenName', value: 'Grace' },
      { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Navy' },
      { op: 'remove', path: 'members[value eq "u1"]' },
    );
    expect(next).toEqual({
      active: false,
      name: { givenName: 'Grace' },
      members: [{ value: 'u2' }],
      [ENTERPRISE]: { department: 'Navy' },
    });
  });

  it('refuses readOnly targets, replace filters that match nothing, and bodies without the PatchOp schema', () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as ScimProtocolError).scimType;
      }
      return 'none';
    };
    expect(code(() => patch({}, { op: 'replace', path: 'id', value: 'x' }))).toBe('mutability');
    expect(
      code(() => patch({ emails: [] }, { op: 'replace', path: 'emails[type eq "work"].value', value: 'x' })),
    ).toBe('noTarget');
    expect(code(() => applyPatch({}, { Operations: [{ op: 'add', value: {} }] }))).toBe('invalidSyntax');
    expect(code(() => patch({}, { op: 'remove' }))).toBe('noTarget');
  });
});
