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
  extra: { minRemainingApiCalls?: number } = {},
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

function clientCredentialsClient(extra: { minRemainingApiCalls?: number } = {}): SalesforceClient {
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
