import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { startEmulator } from '../http/server.js';
import type { EmulatorHandle } from '../http/server.js';
import { accessTokenFor, apiClient } from '../http/test-support.js';

/**
 * What a client that reads a large object in Id ranges relies on, over HTTP:
 * ordering and comparing on Id and on reference fields (SOQL and SOSL
 * Reference: "Comparison Operators", "ORDER BY"; the base-62 boundaries of
 * "PK Chunking"), LIMIT, and cursors that stay open side by side (since API
 * v56.0 "there isn't a limit on the number of open cursors", App Limits
 * Cheatsheet: "API Query Cursor Limits").
 */
let emulator: EmulatorHandle;
let api: ReturnType<typeof apiClient>;
const V = '/services/data/v63.0';

type QueryPage = {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
};

async function query(soql: string, batchSize?: number): Promise<QueryPage> {
  const answer = await api(
    'GET',
    `${V}/query?q=${encodeURIComponent(soql)}`,
    undefined,
    batchSize ? { 'Sforce-Query-Options': `batchSize=${batchSize}` } : {},
  );
  expect(answer.status).toBe(200);
  return answer.body as QueryPage;
}

async function allIds(first: QueryPage): Promise<string[]> {
  const ids = first.records.map((record) => String(record['Id']));
  let next = first.nextRecordsUrl;
  while (next !== undefined) {
    const page = (await api('GET', next)).body as QueryPage;
    ids.push(...page.records.map((record) => String(record['Id'])));
    next = page.nextRecordsUrl;
  }
  return ids;
}

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 3, preset: 'demo' }) });
  api = apiClient(emulator, await accessTokenFor(emulator));
});
afterAll(async () => {
  await emulator.close();
  emulator.org.dispose();
});

describe('Id ranges', () => {
  it('orders by Id ascending and descending, and LIMIT caps the whole result', async () => {
    const ascending = await allIds(await query('SELECT Id FROM PermissionSetAssignment ORDER BY Id', 500));
    expect(ascending.length).toBeGreaterThan(2_000);
    expect([...ascending].sort()).toEqual(ascending);
    const last = await query('SELECT Id FROM PermissionSetAssignment ORDER BY Id DESC LIMIT 1');
    expect([last.totalSize, last.done, last.records.map((record) => record['Id'])]).toEqual([
      1,
      true,
      [ascending[ascending.length - 1]],
    ]);
  });

  it('splits an object into Id ranges that together hold every record exactly once, cursors open side by side', async () => {
    const every = await allIds(await query('SELECT Id FROM PermissionSetAssignment ORDER BY Id'));
    const cuts = [every[0] as string, every[500] as string, every[1_700] as string, every.at(-1) as string];
    // One cursor per range, all opened before any is read further: none is released by another.
    const firsts = await Promise.all(
      cuts
        .slice(1)
        .map((upper, index) =>
          query(
            `SELECT Id FROM PermissionSetAssignment WHERE Id > '${cuts[index]}' AND Id <= '${upper}'`,
            200,
          ),
        ),
    );
    const more = await Promise.all(
      Array.from({ length: 12 }, () => query('SELECT Id FROM PermissionSetAssignment', 200)),
    );
    const pieces = (await Promise.all(firsts.map(allIds))).flat();
    expect(pieces.length).toBe(every.length - 1);
    expect([every[0], ...pieces].sort()).toEqual(every);
    expect(firsts.map((page) => page.totalSize).reduce((sum, size) => sum + size, 0)).toBe(every.length - 1);
    // Thirteen further cursors opened meanwhile are all still readable to the end.
    for (const page of more) expect((await allIds(page)).length).toBe(every.length);
  });

  it('compares reference fields the same way, and Ids in 15- or 18-character form alike', async () => {
    const users = await allIds(await query('SELECT Id FROM User ORDER BY Id'));
    const middle = users[Math.floor(users.length / 2)] as string;
    const below = await query(`SELECT Id FROM PermissionSetAssignment WHERE AssigneeId <= '${middle}'`);
    const above = await query(
      `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId > '${middle.slice(0, 15)}'`,
    );
    const total = await query('SELECT COUNT() FROM PermissionSetAssignment');
    expect(below.totalSize + above.totalSize).toBe(total.totalSize);
    expect(below.totalSize).toBeGreaterThan(0);
    expect(above.totalSize).toBeGreaterThan(0);
  });

  it('refuses a boundary that is not an Id, the way Salesforce does', async () => {
    const answer = await api(
      'GET',
      `${V}/query?q=${encodeURIComponent("SELECT Id FROM PermissionSetAssignment WHERE Id > '0Pa-not-an-id'")}`,
    );
    expect(answer.status).toBe(400);
    expect((answer.body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
  });

  it('answers 414 past 16,384 bytes of URI and 431 past 16,384 bytes of URI and headers (Help 000386264)', async () => {
    const where = (count: number) =>
      Array.from({ length: count }, (_, index) => `Id != '005${String(index).padStart(12, '0')}'`).join(
        ' AND ',
      );
    const long = `${V}/query?q=${encodeURIComponent(`SELECT Id FROM User WHERE ${where(460)}`)}`;
    expect(long.length).toBeGreaterThan(16_384);
    const token = await accessTokenFor(emulator);
    const status = async (path: string, headers: Record<string, string> = {}) =>
      (
        await fetch(`${emulator.baseUrl}${path}`, {
          headers: { authorization: `Bearer ${token}`, ...headers },
        })
      ).status;
    expect(await status(long)).toBe(414);
    const fits = `${V}/query?q=${encodeURIComponent(`SELECT Id FROM User WHERE ${where(300)}`)}`;
    expect(fits.length).toBeLessThan(16_384);
    expect(await status(fits)).toBe(200);
    const padding = 'x'.repeat(16_384 - fits.length);
    expect(await status(fits, { 'X-Padding': padding })).toBe(431);
  });

  it('counts API requests and query pages it served', async () => {
    const before = { ...emulator.requestCounts };
    const first = await query('SELECT Id FROM User', 500);
    await allIds(first);
    await api('GET', `${V}/limits`);
    const pages = Math.ceil(first.totalSize / 500);
    expect(emulator.requestCounts.queryPages - before.queryPages).toBe(pages);
    expect(emulator.requestCounts.api - before.api).toBe(pages + 1);
  });
});
