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
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToEmulatedOrg } from '../emulated-connection.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { syncConnection } from '../sync-runner.js';

interface Tampered {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * A proxy between accessledger and the emulated org that, when armed, spoils
 * the answer to the Nth query request: what a misbehaving proxy, a captive
 * portal or a cut connection hands back instead of Salesforce's answer.
 */
async function startTamperingProxy(target: string): Promise<{
  server: Server;
  origin: string;
  arm(nth: number, spoil: (original: string) => Tampered): void;
}> {
  let queriesLeft = 0;
  let spoiler: ((original: string) => Tampered) | null = null;
  let origin = '';
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const upstream = httpRequest(
        new URL(incoming.url ?? '/', target),
        { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            // The org names its own origin (instance_url, links): the proxy names itself instead.
            const text = Buffer.concat(body).toString('utf8').split(target).join(origin);
            const isQuery = /\/services\/data\/v[\d.]+\/query/.test(incoming.url ?? '');
            if (spoiler && isQuery && --queriesLeft === 0) {
              const spoiled = spoiler(text);
              spoiler = null;
              outgoing.writeHead(spoiled.status, { 'content-type': spoiled.contentType });
              outgoing.end(spoiled.body);
              return;
            }
            const headers = { ...answer.headers };
            delete headers['content-length'];
            outgoing.writeHead(answer.statusCode ?? 502, headers);
            outgoing.end(text);
          });
        },
      );
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    arm(nth, spoil) {
      queriesLeft = nth;
      spoiler = spoil;
    },
  };
}

const json = (body: string): Tampered => ({
  status: 200,
  contentType: 'application/json;charset=UTF-8',
  body,
});
const BAD_GATEWAY_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy could not reach the upstream server.</p></body></html>';

const cases: readonly {
  readonly name: string;
  readonly spoil: (original: string) => Tampered;
  readonly message: RegExp;
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
  },
];

describe.skipIf(skipPostgres)(
  postgresSuiteTitle('chaos: malformed answers never make a snapshot (PostgreSQL)'),
  () => {
    let scratch: ScratchDatabase;
    let emulator: EmulatorHandle;
    let proxy: Awaited<ReturnType<typeof startTamperingProxy>>;
    let runtime: Runtime;
    let connection: Connection;
    const signal = new AbortController().signal;

    beforeAll(async () => {
      scratch = await createScratchDatabase('accessledger_chaos');
      emulator = await startEmulator({ org: generateOrg({ seed: 41, preset: 'tiny' }) });
      proxy = await startTamperingProxy(emulator.baseUrl);
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
      await new Promise((resolve) => proxy?.server.close(resolve));
      await emulator?.close();
      await scratch?.drop();
    });

    for (const { name, spoil, message } of cases) {
      it(`fails the sync with a clear error on ${name}, and keeps the previous snapshot`, async () => {
        const before = await runtime.snapshots.latestSnapshot(connection.id);
        proxy.arm(2, spoil);
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
      proxy.arm(2, () => ({ status: 502, contentType: 'text/html', body: BAD_GATEWAY_PAGE }));
      const retried = await syncConnection(runtime, connection, { signal });
      expect(retried.snapshot.versionsOpened + retried.snapshot.versionsClosed).toBe(0);
    });

    it('syncs again once the answers are whole, to the same snapshot', async () => {
      const next = await syncConnection(runtime, connection, { signal });
      expect(next.snapshot.versionsOpened + next.snapshot.versionsClosed).toBe(0);
    });
  },
);
