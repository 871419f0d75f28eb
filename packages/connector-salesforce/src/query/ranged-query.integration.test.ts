import 'reflect-metadata';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLogger,
  createRunContext,
  entitlementKey,
  EntitlementTypes,
  grantKey,
  InMemoryCredentialStore,
  syncItemBatches,
  type RunContext,
} from '@accessledger/core';
import { collectSync, type CollectedSync } from '@accessledger/core/testing';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthSalesforceClientFactory } from '../client-factory.js';
import { salesforceConfigSchema } from '../config.js';
import { SalesforceConnector } from '../connector.js';
import { CredentialNames } from '../http/grants.js';
import { SalesforceEntitlementTypes } from '../manifest.js';

/**
 * A pass-through proxy in front of the emulator that counts the API requests
 * in flight at once, so that `concurrency` is checked on the wire.
 */
interface CountingProxy {
  readonly url: string;
  peak: number;
  /** Called with each API request's path and query before it is forwarded. */
  onRequest: (url: string) => void;
  /**
   * Each API request waits for this (called after `onRequest`): it is forwarded when it settles with
   * nothing, answered with the given status and JSON body instead otherwise.
   */
  gate: (url: string) => Promise<GateAnswer | void>;
  /** API requests received and neither answered nor given up by the client. */
  readonly inFlight: number;
  close(): Promise<void>;
}

interface GateAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function countingProxy(target: () => string): Promise<CountingProxy> {
  let inFlight = 0;
  const state = {
    peak: 0,
    onRequest: (_url: string): void => undefined,
    gate: (_url: string): Promise<GateAnswer | void> => Promise.resolve(),
  };
  const server: Server = createServer((incoming, outgoing) => {
    const isApi = (incoming.url ?? '').startsWith('/services/data/v');
    const url = decodeURIComponent((incoming.url ?? '').replace(/\+/g, ' '));
    if (isApi) {
      state.peak = Math.max(state.peak, (inFlight += 1));
      state.onRequest(url);
      // In flight until answered, or until the client gives up on it (an aborted request).
      outgoing.on('close', () => (inFlight -= 1));
    }
    const forward = (): void => {
      if (outgoing.destroyed) return;
      const upstream = new URL(incoming.url ?? '/', target());
      const forwarded = httpRequest(
        upstream,
        { method: incoming.method, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(forwarded);
    };
    if (!isApi) {
      forward();
      return;
    }
    void state.gate(url).then((answer) => {
      if (!answer) return forward();
      outgoing.writeHead(answer.status, { 'content-type': 'application/json;charset=UTF-8' });
      outgoing.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get peak() {
      return state.peak;
    },
    set peak(value: number) {
      state.peak = value;
    },
    get onRequest() {
      return state.onRequest;
    },
    set onRequest(hook: (url: string) => void) {
      state.onRequest = hook;
    },
    get gate() {
      return state.gate;
    },
    set gate(hold: (url: string) => Promise<GateAnswer | void>) {
      state.gate = hold;
    },
    get inFlight() {
      return inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let emulator: EmulatorHandle;
let proxy: CountingProxy;

function connector(settings: { queryRanges: number; concurrency: number }): SalesforceConnector {
  const config = salesforceConfigSchema.parse({
    domain: proxy.url,
    allowCustomHosts: true,
    auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
    // Small pages so that the demo org's big objects span dozens of pages.
    queryBatchSize: 200,
    ...settings,
  });
  return new SalesforceConnector(config, new OAuthSalesforceClientFactory(config));
}

const warnings: string[] = [];

function context(): RunContext {
  // Warnings are collected from the log lines themselves.
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) },
  });
  return createRunContext({
    credentials: new InMemoryCredentialStore({
      [CredentialNames.clientSecret]: emulator.connectedApp.clientSecret,
    }),
    logger,
  });
}

async function measuredSync(settings: {
  queryRanges: number;
  concurrency: number;
}): Promise<{ sync: CollectedSync; calls: number; peak: number }> {
  const before = emulator.org.apiUsage.used();
  proxy.peak = 0;
  const sync = await collectSync(connector(settings), context());
  return { sync, calls: emulator.org.apiUsage.used() - before, peak: proxy.peak };
}

/** Every item of a sync as sorted JSON lines, so that two syncs compare item for item whatever their order. */
type ItemLines = Readonly<Record<'accounts' | 'entitlements' | 'grants' | 'activity', string[]>>;

function itemsOf(sync: CollectedSync): ItemLines {
  const lines = <T>(items: readonly T[], key: (item: T) => string) =>
    items.map((item) => `${key(item)} ${JSON.stringify(item)}`).sort();
  return {
    accounts: lines(sync.accounts, (account) => account.externalId),
    entitlements: lines(sync.entitlements, entitlementKey),
    grants: lines(sync.grants, grantKey),
    activity: lines(sync.activity, (record) => `${record.accountExternalId} ${record.source}`),
  };
}

beforeAll(async () => {
  let emulatorUrl = '';
  proxy = await countingProxy(() => emulatorUrl);
  emulator = await startEmulator({
    org: generateOrg({ seed: 11, preset: 'demo' }),
    instanceUrl: proxy.url,
    faults: { latencyMs: 5 },
  });
  emulatorUrl = emulator.baseUrl;
});
afterAll(async () => {
  await emulator?.close();
  await proxy?.close();
});

describe('reading large objects in Id ranges', () => {
  let single: Awaited<ReturnType<typeof measuredSync>>;
  let ranged: Awaited<ReturnType<typeof measuredSync>>;
  beforeAll(async () => {
    single = await measuredSync({ queryRanges: 1, concurrency: 4 });
    ranged = await measuredSync({ queryRanges: 4, concurrency: 4 });
  });

  it('gives exactly the items of one cursor per object, item for item', () => {
    const expected = itemsOf(single.sync);
    expect(expected.grants.length).toBeGreaterThan(10_000);
    const actual = itemsOf(ranged.sync);
    for (const kind of ['accounts', 'entitlements', 'grants', 'activity'] as const)
      expect(actual[kind]).toEqual(expected[kind]);
  });

  it('costs at most 10% more API calls than one cursor per object', () => {
    expect(ranged.calls).toBeGreaterThan(single.calls);
    expect(ranged.calls).toBeLessThanOrEqual(Math.ceil(single.calls * 1.1));
  });

  it('keeps the requests in flight at concurrency, however many ranges are open', async () => {
    expect(ranged.peak).toBeLessThanOrEqual(4);
    expect(ranged.peak).toBeGreaterThan(1);
    const serial = await measuredSync({ queryRanges: 4, concurrency: 1 });
    expect(serial.peak).toBe(1);
    // With one request at a time there is nothing to overlap: no range is opened, no call added.
    expect(serial.calls).toBe(single.calls);
    expect(itemsOf(serial.sync).grants).toEqual(itemsOf(single.sync).grants);
  });

  it('reads an object again through one cursor when its ranges do not add up to the first total', async () => {
    // A permission set assignment removed after the first page was counted: the ranges miss one row.
    const assignments = emulator.org
      .find('PermissionSetAssignment')
      .filter((row) => emulator.org.get(String(row['PermissionSetId']))?.['IsOwnedByProfile'] !== true)
      .sort((a, b) => String(a['Id']).localeCompare(String(b['Id'])));
    const removed = assignments[assignments.length - 1];
    if (!removed) throw new Error('The demo org has no permission set assignments.');
    proxy.onRequest = (url) => {
      if (url.includes('FROM PermissionSetAssignment') && url.includes('ORDER BY Id DESC LIMIT 1')) {
        emulator.org.delete('PermissionSetAssignment', String(removed['Id']));
        proxy.onRequest = () => undefined;
      }
    };
    warnings.length = 0;
    const reread = await measuredSync({ queryRanges: 4, concurrency: 4 });
    expect(warnings).toContain(
      'Id ranges did not add up to the query total: reading the object again through one cursor',
    );
    // Every seat still there is reported; the first page's seats twice, which the writer folds into one version.
    const remaining = new Set(
      itemsOf(single.sync).grants.filter((line) => !line.includes(String(removed['UserId']))),
    );
    const got = new Set(itemsOf(reread.sync).grants);
    for (const line of remaining) if (line.includes('"package_license"')) expect(got.has(line)).toBe(true);
    expect(reread.calls).toBeGreaterThan(ranged.calls);
  });
});

/** The first request of a big object's read (the catalog reads other objects, or these by other filters). */
const BIG_READ =
  /FROM (User( |$)|PermissionSetAssignment |PermissionSetLicenseAssign|UserPackageLicense|GroupMember WHERE Group\.Type)/;

/**
 * Holds the first API request whose URL contains `held` until `release` is called, or for at most
 * `limitMs` (then `released` says so): a sync that needs the held request before it can get to what
 * releases it would otherwise never end.
 */
function holdFirst(
  held: string,
  limitMs = 10_000,
): { release: (by: string) => void; released: Promise<string> } {
  let release: (by: string) => void = () => undefined;
  const released = new Promise<string>((resolve) => {
    release = resolve;
    setTimeout(() => resolve('the time limit'), limitMs).unref();
  });
  let holding = false;
  proxy.gate = (url) => {
    if (holding || !url.includes(held)) return Promise.resolve();
    holding = true;
    return released.then(() => undefined);
  };
  return { release: (by) => release(by), released };
}

/** Resolves once the proxy has no API request left to answer, and the client has had time to read the last. */
async function answered(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (proxy.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 200));
}

describe('the reads of a sync', () => {
  let baseline: Awaited<ReturnType<typeof measuredSync>>;
  beforeAll(async () => {
    baseline = await measuredSync({ queryRanges: 1, concurrency: 4 });
  });
  afterAll(() => {
    proxy.gate = () => Promise.resolve();
    proxy.onRequest = () => undefined;
  });

  it('start the big objects while the catalog is still being read, under the same concurrency', async () => {
    // The catalog's role query is held until a big object's first page is asked for: a sync that
    // built the whole catalog before reading the big objects would wait for the time limit.
    const hold = holdFirst('FROM UserRole');
    proxy.onRequest = (url) => {
      if (BIG_READ.test(url)) hold.release('a big read');
    };
    const overlapped = await measuredSync({ queryRanges: 1, concurrency: 4 });
    expect(await hold.released).toBe('a big read');
    expect(overlapped.peak).toBeLessThanOrEqual(4);
    expect(overlapped.calls).toBe(baseline.calls);
    expect(itemsOf(overlapped.sync)).toEqual(itemsOf(baseline.sync));
  });

  it('split a big object as soon as its first page is in, before the sync takes that page', async () => {
    // The sync takes pages only once its catalog is built; the catalog's role query is held until a
    // split read asks where its Ids end, which a read that waited for its first page to be taken
    // would ask only after the time limit.
    const hold = holdFirst('FROM UserRole');
    proxy.onRequest = (url) => {
      if (url.includes('ORDER BY Id DESC LIMIT 1')) hold.release('a split');
    };
    const split = await measuredSync({ queryRanges: 4, concurrency: 4 });
    expect(await hold.released).toBe('a split');
    expect(split.peak).toBeLessThanOrEqual(4);
    expect(itemsOf(split.sync)).toEqual(itemsOf(baseline.sync));
  });

  it('end every read still going when the catalog fails, and fail with its error', async () => {
    // The big reads' requests are held (never answered here); the catalog's role query fails once
    // one is waiting. The sync must fail with that error and give up the held requests: none may be
    // left in flight, and none may start after the failure.
    let bigReadWaiting: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (bigReadWaiting = resolve));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let requestsAfterFailure = 0;
    let failed = false;
    proxy.onRequest = () => {
      if (failed) requestsAfterFailure += 1;
    };
    proxy.gate = async (url) => {
      if (BIG_READ.test(url)) {
        bigReadWaiting();
        await held;
        return undefined;
      }
      if (!url.includes('FROM UserRole')) return undefined;
      await waiting;
      return { status: 400, body: [{ errorCode: 'INVALID_FIELD', message: "No such column 'PortalType'" }] };
    };
    try {
      await expect(collectSync(connector({ queryRanges: 4, concurrency: 4 }), context())).rejects.toThrow(
        /PortalType/,
      );
      failed = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(requestsAfterFailure).toBe(0);
      expect(proxy.inFlight).toBe(0);
    } finally {
      release();
      proxy.gate = () => Promise.resolve();
    }
  });

  it('emit the memberships derived from roles once the users are read, before the other objects end', async () => {
    // Permission set assignments are held until a derived membership has been emitted: a sync that
    // derived them only after reading every object would wait for the time limit.
    const hold = holdFirst('FROM PermissionSetAssignment WHERE');
    const grants: string[] = [];
    for await (const item of connector({ queryRanges: 1, concurrency: 4 }).sync(context())) {
      if (item.kind !== 'grant') continue;
      grants.push(`${grantKey(item.grant)} ${JSON.stringify(item.grant)}`);
      if (item.grant.via?.type === SalesforceEntitlementTypes.derivedGroup)
        hold.release('a derived membership');
    }
    expect(await hold.released).toBe('a derived membership');
    expect(grants.sort()).toEqual(itemsOf(baseline.sync).grants);
  });

  it('hand a reader that takes batches the same items, a slice of a page at a time', async () => {
    const batches = syncItemBatches(connector({ queryRanges: 4, concurrency: 4 }).sync(context()));
    if (!batches) throw new Error('The Salesforce connector offers no batches.');
    const grants: string[] = [];
    let largest = 0;
    let count = 0;
    for await (const batch of batches) {
      count += 1;
      largest = Math.max(largest, batch.length);
      for (const item of batch)
        if (item.kind === 'grant') grants.push(`${grantKey(item.grant)} ${JSON.stringify(item.grant)}`);
    }
    expect(grants.sort()).toEqual(itemsOf(baseline.sync).grants);
    // Never a whole big object at once: pages are 200 records here, and a batch is a slice of one.
    expect(count).toBeGreaterThan(50);
    expect(largest).toBeLessThan(2_000);
  });

  it('take a page that comes in while derived memberships are handed out before the rest of them', async () => {
    // Permission set assignments are held until the first derived membership is out; the sync is then
    // paused until the proxy has answered every request. A page holds its request slot until it is
    // taken: a sync that handed out every derived membership before the next page held the reads up
    // (in a 50,000-user org, 176,000 memberships with every slot idle).
    const hold = holdFirst('FROM PermissionSetAssignment WHERE');
    const order: ('derived' | 'assignment')[] = [];
    const grants: string[] = [];
    for await (const item of connector({ queryRanges: 1, concurrency: 4 }).sync(context())) {
      if (item.kind !== 'grant') continue;
      grants.push(`${grantKey(item.grant)} ${JSON.stringify(item.grant)}`);
      if (item.grant.via?.type === SalesforceEntitlementTypes.derivedGroup) {
        order.push('derived');
        if (order.filter((kind) => kind === 'derived').length === 1) {
          hold.release('a derived membership');
          await answered();
        }
      } else if (item.grant.entitlement.type === EntitlementTypes.permissionSet && !item.grant.via) {
        order.push('assignment');
      }
    }
    expect(await hold.released).toBe('a derived membership');
    const derivedAfter = order.lastIndexOf('derived');
    // More derived memberships than are handed out between two pages: otherwise this shows nothing.
    expect(order.filter((kind) => kind === 'derived').length).toBeGreaterThan(1_000);
    const assignmentBetween = order.indexOf('assignment', order.indexOf('derived'));
    expect(assignmentBetween).toBeGreaterThan(0);
    expect(assignmentBetween).toBeLessThan(derivedAfter);
    expect(grants.sort()).toEqual(itemsOf(baseline.sync).grants);
  });
});
