import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../test/engines.js';
import { seedHistory } from '../test/seed-history.js';
import type { SeededHistory } from '../test/seed-history.js';

/** The SQL blocks of docs/sql-cookbook.md, each named by its leading `-- name:` comment. */
const cookbookPath = new URL('../../../docs/sql-cookbook.md', import.meta.url);
const blocks = [...readFileSync(cookbookPath, 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => {
  const sql = match[1] ?? '';
  const name = /^-- name: ([a-z0-9-]+)/.exec(sql)?.[1];
  if (!name) throw new Error(`A SQL block of the cookbook has no "-- name:" line:\n${sql}`);
  return { name, sql };
});

type Row = Record<string, unknown>;
const pick = (rows: Row[], ...columns: string[]) => rows.map((row) => columns.map((column) => row[column]));

const expectations: Record<string, (rows: Row[]) => void> = {
  'modify-all-data-today': (rows) =>
    expect(
      pick(rows, 'username', 'account_status', 'entitlement_type', 'entitlement_name', 'via_name'),
    ).toEqual([
      ['alice@acme.com', 'active', 'profile', 'System Administrator', null],
      ['bob@acme.com', 'active', 'permission_set', 'Data Steward', 'Finance Admins'],
      ['bob@acme.com', 'active', 'permission_set_group', 'Finance Admins', null],
      ['frank@acme.com', 'active', 'permission_set', 'Data Steward', null],
      ['svc@acme.com', 'active', 'permission_set', 'Data Steward', null],
    ]),
  'effective-permission-holders': (rows) =>
    expect(pick(rows, 'username', 'entitlement_type', 'entitlement_name', 'via_name')).toEqual([
      ['alice@acme.com', 'profile', 'System Administrator', null],
      ['grace@acme.com', 'permission_set', 'Report Builder', null],
    ]),
  'public-group-members-through-roles': (rows) =>
    expect(pick(rows, 'username', 'member_through')).toEqual([
      ['frank@acme.com', '(direct member)'],
      ['henry@acme.com', 'Role and subordinates: Sales VP'],
    ]),
  'standing-vs-time-limited': (rows) => {
    expect(pick(rows, 'access_kind', 'username', 'entitlement_name')).toEqual([
      ['session_based', 'henry@acme.com', 'Support Bundle'],
      ['standing', 'carol@acme.com', 'Report Viewer'],
      ['standing', 'frank@acme.com', 'Data Steward'],
      ['standing', 'grace@acme.com', 'Report Builder'],
      ['standing', 'svc@acme.com', 'Data Steward'],
      ['time_limited', 'bob@acme.com', 'Finance Admins'],
    ]);
    expect(rows.at(-1)?.['expires_at']).toEqual(new Date('2027-12-31T00:00:00Z'));
  },
  'privileged-by-account-kind': (rows) =>
    expect(pick(rows, 'kind', 'username', 'privileged_permissions')).toEqual([
      ['human', 'alice@acme.com', 'ManageUsers, ModifyAllData, ViewAllData'],
      ['human', 'bob@acme.com', 'ModifyAllData'],
      ['human', 'frank@acme.com', 'ModifyAllData'],
      ['human', 'grace@acme.com', 'ViewAllData'],
      ['integration', 'svc@acme.com', 'ModifyAllData'],
    ]),
  'permission-set-license-seats-over-time': (rows) =>
    expect(pick(rows, 'license', 'total', 'used')).toEqual([
      ['CRM Analytics Plus', 2, 1],
      ['CRM Analytics Plus', 3, 3],
      ['CRM Analytics Plus', 3, 3],
      ['CRM Analytics Plus', 3, 3],
      ['CRM Analytics Plus', 3, 3],
    ]),
  'held-permission-set-on-date': (rows) =>
    expect(pick(rows, 'username', 'held_through')).toEqual([
      ['bob@acme.com', 'Finance Admins'],
      ['carol@acme.com', '(direct)'],
      ['frank@acme.com', '(direct)'],
      ['svc@acme.com', '(direct)'],
    ]),
  'changes-since-last-week': (rows) =>
    expect(pick(rows, 'change', 'subject', 'detail')).toEqual([
      ['account created', '005DAVE', '- -> active'],
      ['account deactivated', '005ERIN', 'active -> inactive'],
      ['grant added', '005DAVE', 'package_license 050CPQ'],
      ['grant added', '005DAVE', 'profile 00eSTANDARD'],
      ['grant changed', '005BOB', 'permission_set_group 0PGFINANCE'],
      ['grant removed', '005ERIN', 'package_license 050CPQ'],
    ]),
  'dormant-privileged-users': (rows) => {
    // alice holds Modify All Data only through her profile: privileges held through profiles count.
    expect(pick(rows, 'username', 'privileged_through')).toEqual([
      ['alice@acme.com', 'System Administrator'],
      ['bob@acme.com', 'Data Steward, Finance Admins'],
      ['frank@acme.com', 'Data Steward'],
    ]);
    expect(rows[2]?.['last_login']).toBeNull();
  },
  'license-seats-over-time': (rows) =>
    expect(pick(rows, 'package', 'allowed', 'used')).toEqual([
      ['Salesforce CPQ', 3, 2],
      ['Salesforce CPQ', 3, 3],
      ['Salesforce CPQ', 5, 3],
      ['Salesforce CPQ', 5, 3],
      ['Salesforce CPQ', 5, 3],
    ]),
  'account-timeline': (rows) =>
    expect(pick(rows, 'event', 'entitlement_name')).toEqual([
      ['account_created', null],
      ['granted', 'Data Steward'],
      ['granted', 'Report Viewer'],
      ['granted', 'Standard User'],
      ['revoked', 'Data Steward'],
    ]),
  'accounts-per-connection': (rows) =>
    expect(pick(rows, 'name', 'active', 'total')).toEqual([['acme-prod', 9, 10]]),
  'changes-made-last-month': (rows) =>
    expect(
      pick(
        rows,
        'who',
        'connection_name',
        'operation',
        'account_external_id',
        'entitlement',
        'outcome',
        'calls',
        'error_code',
      ),
    ).toEqual([
      ['jane@ops-1', 'acme-prod', 'grant', '005DAVE', '0PSREPORTVIEWER', 'changed', 1, null],
      ['sam@ops-1', 'acme-prod', 'deactivate', '005ERIN', null, 'changed', 1, null],
      ['sam@ops-1', 'acme-prod', 'grant', '005CAROL', '0PSDATASTEWARD', 'failed', 0, 'RATE_LIMITED'],
    ]),
};

it('has an expectation for every SQL block of the cookbook, and a block for every expectation', () => {
  expect(blocks.map((block) => block.name).sort()).toEqual(Object.keys(expectations).sort());
});

describeEachEngine('SQL cookbook', (database) => {
  let seeded: SeededHistory | undefined;
  const seed = async () => (seeded ??= await seedHistory(database().db));

  for (const block of blocks) {
    it(`answers "${block.name}" against a seeded history`, async () => {
      await seed();
      const result = await database().db.knex.raw<{ rows: Row[] }>(block.sql);
      const expectation = expectations[block.name];
      if (!expectation) throw new Error(`No expectation for cookbook block ${block.name}.`);
      expectation(result.rows);
    });
  }
});
