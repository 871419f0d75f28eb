import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { startEmulator } from '../http/server.js';
import type { EmulatorHandle } from '../http/server.js';
import { accessTokenFor, apiClient } from '../http/test-support.js';

let emulator: EmulatorHandle;
let api: ReturnType<typeof apiClient>;
const V = '/services/data/v63.0';

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 21, preset: 'demo' }) });
  api = apiClient(emulator, await accessTokenFor(emulator));
});
afterAll(async () => {
  await emulator.close();
  emulator.org.dispose();
});
beforeEach(() => {
  emulator.faults.reset();
  emulator.org.apiUsage.limit = 5_000_000;
});

type QueryPage = {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
};

describe('versions and authentication', () => {
  it('lists versions without a session and resources with one', async () => {
    const versions = (await fetch(`${emulator.baseUrl}/services/data/`).then((r) => r.json())) as {
      version: string;
    }[];
    expect(versions).toContainEqual({ label: "Spring '25", url: '/services/data/v63.0', version: '63.0' });
    const resources = await api('GET', `${V}/`);
    expect(resources.body).toMatchObject({ query: `${V}/query`, sobjects: `${V}/sobjects` });
  });

  it('answers unknown versions 404 and retired ones 410', async () => {
    expect((await api('GET', '/services/data/v99.0/limits')).body).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    expect((await api('GET', '/services/data/v30.0/limits')).status).toBe(410);
  });

  it('rejects a missing or bad token with 401 INVALID_SESSION_ID', async () => {
    const response = await fetch(`${emulator.baseUrl}${V}/limits`, {
      headers: { Authorization: 'Bearer nope' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });
});

describe('query', () => {
  it('pages with nextRecordsUrl, honours batchSize and closes the cursor at the end', async () => {
    const first = await api(
      'GET',
      `${V}/query?q=${encodeURIComponent('SELECT Id, Username FROM User')}`,
      undefined,
      {
        'Sforce-Query-Options': 'batchSize=500',
      },
    );
    const page = first.body as QueryPage;
    expect([page.totalSize, page.done, page.records.length]).toEqual([2001, false, 500]);
    expect(page.nextRecordsUrl).toMatch(/^\/services\/data\/v63\.0\/query\/01g[0-9A-Za-z]{15}-500$/);
    expect(page.records[0]?.attributes).toEqual({
      type: 'User',
      url: `${V}/sobjects/User/${String(page.records[0]?.Id)}`,
    });
    const ids = new Set(page.records.map((record) => record.Id));
    let next = page.nextRecordsUrl;
    while (next !== undefined) {
      const more = (await api('GET', next)).body as QueryPage;
      more.records.forEach((record) => ids.add(record.Id));
      next = more.nextRecordsUrl;
      if (next === undefined) expect(more.done).toBe(true);
    }
    expect(ids.size).toBe(2001);
    const reused = await api('GET', String(page.nextRecordsUrl));
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
  });

  it('defaults to 2000-row pages, clamps batchSize into 200..2000 and expires idle cursors', async () => {
    const soql = encodeURIComponent('SELECT Id FROM PermissionSetAssignment');
    const page = (await api('GET', `${V}/query?q=${soql}`)).body as QueryPage;
    expect(page.records).toHaveLength(2000);
    const small = (
      await api('GET', `${V}/query?q=${soql}`, undefined, { 'Sforce-Query-Options': 'batchSize=5' })
    ).body as QueryPage;
    expect(small.records).toHaveLength(200);
    const ttl = emulator.org.settings.queryCursorTtlMs;
    emulator.org.settings.queryCursorTtlMs = -1;
    const expired = await api('GET', String(page.nextRecordsUrl));
    emulator.org.settings.queryCursorTtlMs = ttl;
    expect((expired.body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('answers COUNT(), queryAll, a missing q and a SOQL error the Salesforce way', async () => {
    const count = await api('GET', `${V}/query?q=${encodeURIComponent('SELECT COUNT() FROM User')}`);
    expect(count.body).toEqual({ totalSize: 2001, done: true, records: [] });
    expect(((await api('GET', `${V}/query`)).body as { errorCode: string }[])[0]?.errorCode).toBe(
      'MALFORMED_QUERY',
    );
    const bad = await api('GET', `${V}/query?q=${encodeURIComponent('SELECT Nope FROM User')}`);
    expect([bad.status, (bad.body as { errorCode: string }[])[0]?.errorCode]).toEqual([400, 'INVALID_FIELD']);
    const created = (await api('POST', `${V}/sobjects/Account`, { Name: 'Gone Inc' })).body as { id: string };
    await api('DELETE', `${V}/sobjects/Account/${created.id}`);
    const soql = encodeURIComponent(`SELECT Id, IsDeleted FROM Account WHERE Id = '${created.id}'`);
    expect(((await api('GET', `${V}/query?q=${soql}`)).body as QueryPage).totalSize).toBe(0);
    const all = (await api('GET', `${V}/queryAll?q=${soql}`)).body as QueryPage;
    expect(all.records[0]?.IsDeleted).toBe(true);
  });
});

describe('sobjects', () => {
  it('describes objects, including custom fields on User', async () => {
    const global = (await api('GET', `${V}/sobjects`)).body as {
      sobjects: { name: string; keyPrefix: string }[];
    };
    expect(global.sobjects).toContainEqual(
      expect.objectContaining({ name: 'PermissionSetAssignment', keyPrefix: '0Pa' }),
    );
    const basic = (await api('GET', `${V}/sobjects/User`)).body as { objectDescribe: { name: string } };
    expect(basic.objectDescribe.name).toBe('User');
    const describe = (await api('GET', `${V}/sobjects/User/describe`)).body as {
      fields: { name: string; custom: boolean; relationshipName: string | null }[];
    };
    expect(describe.fields).toContainEqual(expect.objectContaining({ name: 'Cost_Center__c', custom: true }));
    expect(describe.fields).toContainEqual(
      expect.objectContaining({ name: 'ProfileId', relationshipName: 'Profile' }),
    );
    expect((await api('GET', `${V}/sobjects/Nope__c/describe`)).status).toBe(404);
  });

  it('creates, reads with ?fields=, updates and deletes', async () => {
    const created = await api('POST', `${V}/sobjects/Account`, { Name: 'Acme' });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string; success: boolean; errors: unknown[] };
    expect(created.body).toEqual({ id, success: true, errors: [] });
    const read = await api('GET', `${V}/sobjects/Account/${id.slice(0, 15)}?fields=Name,OwnerId`);
    expect(read.body).toEqual({
      attributes: { type: 'Account', url: `${V}/sobjects/Account/${id}` },
      Name: 'Acme',
      OwnerId: emulator.org.adminUserId,
      Id: id,
    });
    expect((await api('PATCH', `${V}/sobjects/Account/${id}`, { Name: 'Acme 2' })).status).toBe(204);
    expect((await api('DELETE', `${V}/sobjects/Account/${id}`)).status).toBe(204);
    const gone = await api('GET', `${V}/sobjects/Account/${id}`);
    expect([gone.status, (gone.body as { errorCode: string }[])[0]?.errorCode]).toEqual([
      404,
      'ENTITY_IS_DELETED',
    ]);
  });

  it('returns Salesforce errors for bad JSON, unknown fields, missing records and user deletion', async () => {
    const badJson = await api('POST', `${V}/sobjects/Account`, '{"Name": ');
    expect((badJson.body as { errorCode: string }[])[0]?.errorCode).toBe('JSON_PARSER_ERROR');
    const unknown = await api('POST', `${V}/sobjects/Account`, { Name: 'x', Bogus: 1 });
    expect(unknown.body).toEqual([
      { message: "No such column 'Bogus' on sobject of type Account", errorCode: 'INVALID_FIELD' },
    ]);
    const missing = await api('GET', `${V}/sobjects/Account/001000000000000AAA`);
    expect(missing.status).toBe(404);
    const deleteUser = await api('DELETE', `${V}/sobjects/User/${emulator.org.adminUserId}`);
    expect([deleteUser.status, deleteUser.body]).toEqual([
      405,
      [
        {
          message: "HTTP Method 'DELETE' not allowed. Allowed are HEAD,GET,PATCH",
          errorCode: 'METHOD_NOT_ALLOWED',
        },
      ],
    ]);
    const badField = await api('GET', `${V}/sobjects/User/${emulator.org.adminUserId}?fields=Nope`);
    expect((badField.body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_FIELD');
  });

  it('assigns and unassigns package licenses, permission sets and group members', async () => {
    const user = emulator.org.find('User', { IsActive: true, UserType: 'Standard' })[5];
    const userId = String(user?.Id);
    const license = emulator.org.find('PackageLicense', { AllowedLicenses: -1 })[0];
    const seat = await api('POST', `${V}/sobjects/UserPackageLicense`, {
      PackageLicenseId: license?.Id,
      UserId: userId,
    });
    const seatId = (seat.body as { id?: string }).id;
    if (seat.status === 201)
      expect((await api('DELETE', `${V}/sobjects/UserPackageLicense/${seatId}`)).status).toBe(204);
    else expect((seat.body as { errorCode: string }[])[0]?.errorCode).toBe('DUPLICATE_VALUE');
    const group = emulator.org.find('Group', { Type: 'Regular' })[0];
    const member = await api('POST', `${V}/sobjects/GroupMember`, {
      GroupId: group?.Id,
      UserOrGroupId: emulator.org.adminUserId,
    });
    expect(member.status).toBe(201);
    const duplicate = await api('POST', `${V}/sobjects/GroupMember`, {
      GroupId: group?.Id,
      UserOrGroupId: emulator.org.adminUserId,
    });
    expect((duplicate.body as { errorCode: string }[])[0]?.errorCode).toBe('DUPLICATE_VALUE');
    expect(
      (await api('DELETE', `${V}/sobjects/GroupMember/${(member.body as { id: string }).id}`)).status,
    ).toBe(204);
  });
});

describe('composite batch', () => {
  it('runs subrequests in order without rollback and halts on error when asked', async () => {
    const account = ((await api('POST', `${V}/sobjects/Account`, { Name: 'Batch' })).body as { id: string })
      .id;
    const inactive = emulator.org.find('User', { IsActive: false, UserType: 'Standard' })[0];
    const answer = await api('POST', `${V}/composite/batch`, {
      haltOnError: true,
      batchRequests: [
        { method: 'PATCH', url: `v63.0/sobjects/Account/${account}`, richInput: { Name: 'Renamed' } },
        { method: 'PATCH', url: `v63.0/sobjects/Account/${account}`, richInput: { OwnerId: inactive?.Id } },
        { method: 'GET', url: `v63.0/sobjects/Account/${account}?fields=Name` },
      ],
    });
    expect(answer.status).toBe(200);
    const body = answer.body as { hasErrors: boolean; results: { statusCode: number; result: unknown }[] };
    expect(body.hasErrors).toBe(true);
    expect(body.results.map((result) => result.statusCode)).toEqual([204, 400, 412]);
    expect((body.results[1]?.result as { errorCode: string }[])[0]?.errorCode).toBe('INACTIVE_OWNER_OR_USER');
    expect(body.results[2]?.result).toEqual([
      { errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' },
    ]);
    expect(emulator.org.get(account)?.Name).toBe('Renamed');
  });

  it('counts each subrequest against the API budget and refuses more than 25', async () => {
    const before = emulator.org.apiUsage.used();
    await api('POST', `${V}/composite/batch`, {
      batchRequests: Array.from({ length: 3 }, () => ({ method: 'GET', url: 'v63.0/limits' })),
    });
    expect(emulator.org.apiUsage.used() - before).toBe(3);
    const tooMany = await api('POST', `${V}/composite/batch`, {
      batchRequests: Array.from({ length: 26 }, () => ({ method: 'GET', url: 'v63.0/limits' })),
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('limits and faults', () => {
  it('reports usage in Sforce-Limit-Info and /limits, and answers 403 when the budget is spent', async () => {
    const limits = await api('GET', `${V}/limits`);
    const used = emulator.org.apiUsage.used();
    expect(limits.headers.get('sforce-limit-info')).toBe(`api-usage=${used}/5000000`);
    expect((limits.body as { DailyApiRequests: unknown }).DailyApiRequests).toEqual({
      Max: 5_000_000,
      Remaining: 5_000_000 - used,
    });
    emulator.faults.set({ dailyApiLimit: used });
    const refused = await api('GET', `${V}/limits`);
    expect([refused.status, refused.body]).toEqual([
      403,
      [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
    ]);
    expect(emulator.faults.counts.requestLimitExceeded).toBe(1);
  });

  it('answers a read as the org was when it arrived, and applies a write once its latency is up', async () => {
    // `latency` is the time from a request to its answer: a read's answer is worked out on arrival (the
    // emulator's own work is not Salesforce's), a write takes effect after the wait.
    emulator.faults.set({ latencyMs: 400 });
    const arrived = async (count: number): Promise<void> => {
      while (emulator.requestCounts.api < count) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const soql = encodeURIComponent("SELECT Id FROM Account WHERE Name = 'Arrived late'");
    let count = emulator.requestCounts.api;
    const read = api('GET', `${V}/query?q=${soql}`);
    await arrived(count + 1);
    const account = emulator.org.create('Account', { Name: 'Arrived late' });
    expect(((await read).body as QueryPage).totalSize).toBe(0);
    count = emulator.requestCounts.api;
    const write = api('PATCH', `${V}/sobjects/Account/${account}`, { Name: 'Renamed late' });
    await arrived(count + 1);
    expect(emulator.org.get(account)?.Name).toBe('Arrived late');
    expect((await write).status).toBe(204);
    expect(emulator.org.get(account)?.Name).toBe('Renamed late');
  });

  it('injects 5xx answers, dropped connections, lock errors, latency and token expiry, and counts them', async () => {
    emulator.faults.set({ serverErrorRate: 1 });
    expect([500, 503]).toContain((await api('GET', `${V}/limits`)).status);
    emulator.faults.set({ serverErrorRate: 0, dropConnectionRate: 1 });
    await expect(api('GET', `${V}/limits`)).rejects.toThrow();
    emulator.faults.set({ dropConnectionRate: 0, lockRowNext: 1, latencyMs: 5 });
    const locked = await api('POST', `${V}/sobjects/Account`, { Name: 'Locked' });
    expect((locked.body as { errorCode: string }[])[0]?.errorCode).toBe('UNABLE_TO_LOCK_ROW');
    expect((await api('POST', `${V}/sobjects/Account`, { Name: 'Unlocked' })).status).toBe(201);
    const token = await accessTokenFor(emulator);
    const client = apiClient(emulator, token);
    emulator.faults.set({ latencyMs: 0, expireTokenAfterCalls: 1 });
    expect((await client('GET', `${V}/limits`)).status).toBe(200);
    expect((await client('GET', `${V}/limits`)).status).toBe(401);
    const counts = emulator.faults.counts;
    expect(counts.serverError500 + counts.serverError503).toBe(1);
    expect([counts.droppedConnection, counts.unableToLockRow]).toEqual([1, 1]);
    // Every live access token expired at once: the test's earlier session and this one.
    expect(counts.tokenExpired).toBe(2);
    expect(counts.latency).toBeGreaterThanOrEqual(2);
    api = apiClient(emulator, await accessTokenFor(emulator));
  });
});
