import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { Connection } from '@accessledger/storage';
import {
  createScratchDatabase,
  postgresSuiteTitle,
  skipPostgres,
  type ScratchDatabase,
} from '@accessledger/test-postgres';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';
import { startOrgProxy, type OrgProxy, type SpoiledAnswer } from '../../test/org-proxy.js';

const json = (body: string): SpoiledAnswer => ({
  status: 200,
  contentType: 'application/json;charset=UTF-8',
  body,
});
const BAD_GATEWAY_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body></html>';

const cases: readonly {
  readonly name: string;
  readonly spoil: (original: string) => SpoiledAnswer;
  readonly message: RegExp;
  /** The query spoiled: the second of the sync (a catalog query), or the first on this object. */
  readonly object?: string;
}[] = [
  {
    name: 'JSON cut off half-way',
    spoil: (original) => json(original.slice(0, Math.floor(original.length / 2))),
    message: /with JSON that does not parse \(\d+ characters, cut off or malformed\)/,
  },
  {
    name: 'an HTML error page from a proxy, with 200',
    spoil: () => ({ status: 200, contentType: 'text/html', body: BAD_GATEWAY_PAGE }),
    message: /with text\/html instead of JSON \("502 Bad Gateway Bad Gateway The proxy could not reach/,
  },
  {
    name: 'a JSON body with the wrong content type',
    spoil: (original) => ({ status: 200, contentType: 'text/plain', body: original }),
    message: /with text\/plain instead of JSON/,
  },
  {
    name: 'a query page without its records',
    spoil: (original) => {
      const page = JSON.parse(original) as Record<string, unknown>;
      delete page['records'];
      return json(JSON.stringify(page));
    },
    message: /with a query page without records\. Nothing was stored from it\./,
  },
  {
    name: 'records without their Id',
    spoil: (original) => {
      const page = JSON.parse(original) as { records: Record<string, unknown>[] };
      for (const record of page.records) delete record['Id'];
      return json(JSON.stringify(page));
    },
    message: /without a text Id/,
    object: 'Profile',
  },
  {
    // A big object's pages come through `queryPages` (the ones after the first wait as bytes until read).
    name: 'a permission set assignments page cut off half-way',
    spoil: (original) => json(original.slice(0, Math.floor(original.length / 2))),
    message: /reading permission set assignments with JSON that does not parse/,
    object: 'PermissionSetAssignment',
  },
];

describe.skipIf(skipPostgres)(
  postgresSuiteTitle('chaos: malformed answers never make a snapshot (PostgreSQL)'),
  () => {
    let scratch: ScratchDatabase;
    let emulator: EmulatorHandle;
    let proxy: OrgProxy;
    let runtime: Runtime;
    let connection: Connection;
    const signal = new AbortController().signal;

    beforeAll(async () => {
      scratch = await createScratchDatabase('accessledger_chaos');
      emulator = await startEmulator({ org: generateOrg({ seed: 41, preset: 'tiny' }) });
      proxy = await startOrgProxy(emulator.baseUrl);
      runtime = await openRuntime({
        env: {
          DATABASE_URL: scratch.url,
          ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
          LOG_LEVEL: 'silent',
        },
        migrate: true,
      });
      connection = await connectToEmulatedOrg(runtime, 'acme', { ...emulator, baseUrl: proxy.origin });
      await syncConnection(runtime, connection, { signal });
    });
    afterAll(async () => {
      await runtime?.close();
      await proxy?.close();
      await emulator?.close();
      await scratch?.drop();
    });

    for (const { name, spoil, message, object } of cases) {
      it(`fails the sync with a clear error on ${name}, and keeps the previous snapshot`, async () => {
        const before = await runtime.snapshots.latestSnapshot(connection.id);
        if (object) proxy.spoilNthQuery(1, spoil, object);
        else proxy.spoilNthQuery(2, spoil);
        const failure = await syncConnection(runtime, connection, { signal }).catch(
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(Error);
        expect((failure as Error).message).toMatch(message);
        const [run] = await runtime.runs.list(connection.id, { limit: 1 });
        expect(run?.status).toBe('failed');
        expect((await runtime.snapshots.latestSnapshot(connection.id))?.id).toBe(before?.id);
      });
    }

    it('retries a 502 HTML page from a proxy (a 5xx on a read), and ends with the same snapshot', async () => {
      proxy.spoilNthQuery(2, () => ({ status: 502, contentType: 'text/html', body: BAD_GATEWAY_PAGE }));
      const retried = await syncConnection(runtime, connection, { signal });
      expect(retried.snapshot.versionsOpened + retried.snapshot.versionsClosed).toBe(0);
    });

    it('syncs again once the answers are whole, to the same snapshot', async () => {
      const next = await syncConnection(runtime, connection, { signal });
      expect(next.snapshot.versionsOpened + next.snapshot.versionsClosed).toBe(0);
    });
  },
);
