import { InMemoryCredentialStore, type AccessLedgerError } from '@accessledger/core';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseOrgDomain } from '../domains.js';
import { select, where } from '../soql.js';
import { SalesforceClient } from './client.js';
import { CredentialNames, sessionGrantFor, type AuthSettings } from './grants.js';
import { SingleFlightSessionProvider } from './session.js';

let emulator: EmulatorHandle;
const never = new AbortController().signal;
const fastRetries = { retries: 4, baseDelayMs: 5, maxDelayMs: 20 };

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 7, users: 450 }) });
});
afterAll(async () => emulator.close());
beforeEach(() => emulator.faults.reset());

function clientFor(
  settings: AuthSettings,
  secrets: Record<string, string>,
  extra: { minRemainingApiCalls?: number; queryBatchSize?: number } = {},
) {
  const credentials = new InMemoryCredentialStore(secrets);
  const domain = parseOrgDomain(emulator.baseUrl, { allowCustomHosts: true });
  const sessions = new SingleFlightSessionProvider(sessionGrantFor(settings, domain, credentials));
  return new SalesforceClient({
    sessions,
    logger: pino({ level: 'silent' }),
    retry: fastRetries,
    queryBatchSize: 200,
    ...extra,
  });
}

function clientCredentialsClient(
  extra: { minRemainingApiCalls?: number; queryBatchSize?: number } = {},
): SalesforceClient {
  return clientFor(
    { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
    { [CredentialNames.clientSecret]: emulator.connectedApp.clientSecret },
    extra,
  );
}

async function allUsers(client: SalesforceClient): Promise<{ pages: number; ids: string[] }> {
  let pages = 0;
  const ids: string[] = [];
  for await (const page of client.query(select({ fields: ['Id', 'Username'], from: 'User' }), never)) {
    pages += 1;
    for (const record of page) ids.push(String(record.Id));
  }
  return { pages, ids };
}

describe('SalesforceClient against the emulated org', () => {
  it('logs in with JWT bearer and follows nextRecordsUrl through every page', async () => {
    const client = clientFor(
      { flow: 'jwt-bearer', clientId: emulator.connectedApp.clientId, username: emulator.adminUsername },
      { [CredentialNames.privateKey]: emulator.connectedApp.privateKeyPem },
    );
    const total = await client.count('SELECT COUNT() FROM User', never);
    const { pages, ids } = await allUsers(client);
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(total);
    expect(pages).toBeGreaterThan(1);
    expect(client.apiUsage?.used).toBeGreaterThan(0);
  });

  it('hands out the records of 2,000-record pages a slice at a time, the same records as records() (drain)', async () => {
    const client = clientCredentialsClient({ queryBatchSize: 2000 });
    const soql = select({
      fields: [
        'Id',
        'AssigneeId',
        'PermissionSetId',
        'PermissionSetGroupId',
        'ExpirationDate',
        'SystemModstamp',
      ],
      from: 'PermissionSetAssignment',
    });
    const whole: unknown[] = [];
    for await (const page of client.queryPages(soql, never)) whole.push(...page.records());
    expect(whole.length).toBeGreaterThan(2000);
    const drained: unknown[] = [];
    const parsedLengths: number[] = [];
    // Per page: JSON.parse calls before its first record was handed out, and in all.
    const pages: { beforeFirst: number; all: number }[] = [];
    const parse = JSON.parse;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      parsedLengths.push(text.length);
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    try {
      for await (const page of client.queryPages(soql, never)) {
        const start = parsedLengths.length;
        let beforeFirst: number | undefined;
        for (const run of page.drain()) {
          for (const record of run) {
            beforeFirst ??= parsedLengths.length - start;
            drained.push(record);
          }
        }
        pages.push({ beforeFirst: beforeFirst ?? 0, all: parsedLengths.length - start });
        // Its records were handed out once and kept by nobody: they cannot be read again.
        if (pages.length === 1) expect(() => page.records()).toThrow(/records were drained already/);
      }
    } finally {
      JSON.parse = parse;
    }
    expect(drained).toEqual(whole);
    // A 2,000-record page is several hundred KB; no string given to JSON.parse was near that, and most
    // of a full page's slices were parsed after its first record was handed out.
    expect(Math.max(...parsedLengths)).toBeLessThan(64 * 1024);
    expect(pages[0]?.all ?? 0).toBeGreaterThan((pages[0]?.beforeFirst ?? 0) + 5);
  });

  it('renews the session once on 401 INVALID_SESSION_ID and carries on', async () => {
    const client = clientCredentialsClient();
    await client.limits(never);
    emulator.auth.expireAll();
    const limits = await client.limits(never);
    expect(limits.DailyApiRequests.Max).toBeGreaterThan(0);
  });

  it('retries 503s and dropped connections on reads', async () => {
    const client = clientCredentialsClient();
    await client.limits(never);
    emulator.faults.set({ serverErrorRate: 0.3, dropConnectionRate: 0.1 });
    const { ids } = await allUsers(client);
    expect(ids.length).toBe(await client.count('SELECT COUNT() FROM User', never));
    const counts = emulator.faults.counts;
    expect(counts.serverError500 + counts.serverError503 + counts.droppedConnection).toBeGreaterThan(0);
  });

  it('never retries a create whose connection dropped: it may have been created', async () => {
    const client = clientCredentialsClient();
    await client.limits(never);
    emulator.faults.set({ dropConnectionRate: 1 });
    const before = emulator.faults.counts.droppedConnection;
    await expect(
      client.create('Account', { Name: 'Never twice', OwnerId: emulator.org.adminUserId }, never),
    ).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(emulator.faults.counts.droppedConnection - before).toBe(1);
  });

  it('maps Salesforce errors onto the error vocabulary with the upstream code', async () => {
    const client = clientCredentialsClient();
    const failure = (await client
      .count('SELECT Nope FROM User', never)
      .catch((error: unknown) => error)) as AccessLedgerError;
    expect(failure.code).toBe('INVALID_INPUT');
    expect(failure.details.upstreamCode).toBe('INVALID_FIELD');
    const missing = (await client
      .update('User', '005000000000000AAA', { Title: 'x' }, never)
      .catch((error: unknown) => error)) as AccessLedgerError;
    expect(['NOT_FOUND', 'INVALID_INPUT']).toContain(missing.code);
  });

  it('stops before the org API budget falls under the floor', async () => {
    // An org of its own, so that earlier tests' calls do not count against its budget.
    const small = await startEmulator({ faults: { dailyApiLimit: 50 } });
    try {
      const client = new SalesforceClient({
        sessions: new SingleFlightSessionProvider(
          sessionGrantFor(
            { flow: 'client-credentials', clientId: small.connectedApp.clientId },
            parseOrgDomain(small.baseUrl, { allowCustomHosts: true }),
            new InMemoryCredentialStore({ [CredentialNames.clientSecret]: small.connectedApp.clientSecret }),
          ),
        ),
        logger: pino({ level: 'silent' }),
        minRemainingApiCalls: 47,
      });
      for (let call = 0; call < 4; call += 1) await client.limits(never);
      expect(client.apiUsage).toEqual({ used: 4, limit: 50 });
      await expect(client.limits(never)).rejects.toMatchObject({
        code: 'RATE_LIMITED',
        details: { upstreamCode: 'API_BUDGET_FLOOR' },
      });
      expect(client.apiUsage?.used).toBe(4);
    } finally {
      await small.close();
    }
  });

  it('reports a wrong secret as an auth error that says what to check', async () => {
    const client = clientFor(
      { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
      { [CredentialNames.clientSecret]: 'wrong' },
    );
    await expect(client.limits(never)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('escaped literals round-trip through the real SOQL engine', async () => {
    const client = clientCredentialsClient();
    const soql = select({
      fields: ['Id'],
      from: 'User',
      where: where.eq('LastName', 'O\'Brien \\ "quoted"'),
    });
    let rows = 0;
    for await (const page of client.query(soql, never)) rows += page.length;
    expect(rows).toBe(0);
  });
});
