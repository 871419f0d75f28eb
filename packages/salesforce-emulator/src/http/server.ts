import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthServer } from '../auth/index.js';
import type { ConnectedApp } from '../auth/index.js';
import { FaultController } from '../faults/fault-controller.js';
import type { FaultSettings } from '../faults/fault-controller.js';
import { generateOrg } from '../generator/generate-org.js';
import { authDirectoryFor } from '../org/auth-directory.js';
import type { EmulatedOrg } from '../org/emulated-org.js';
import { DataApi } from '../rest/data-api.js';
import { ScimApi } from '../scim/scim-api.js';
import { JsonBodies } from './json-bodies.js';
import type { EmulatorRequest, EmulatorResponse } from './types.js';

export interface StartEmulatorOptions {
  /** The org to serve; default a `tiny` org with seed 1. */
  readonly org?: EmulatedOrg;
  /** Faults active from the start, or a controller to share. */
  readonly faults?: FaultSettings | FaultController;
  /** Seed of the fault PRNG (default 1). */
  readonly faultSeed?: number;
  /** 0 or omitted: a random free port. */
  readonly port?: number;
  /** Session timeout of access tokens (sliding). Default 2 hours. */
  readonly sessionTimeoutMs?: number;
  /** `instance_url` in token responses; default the emulator's own base URL. */
  readonly instanceUrl?: string;
  /**
   * `login-page` (default): /services/oauth2/authorize shows a login page and an "Allow Access?" page,
   * as Salesforce does. `auto-approve`: it approves at once as `login_hint` or the admin, for tests
   * that exchange a code without driving a browser.
   */
  readonly authorize?: 'login-page' | 'auto-approve';
  /** The password every active user logs in with on the login page; default a random one (`EmulatorHandle.loginPassword`). */
  readonly loginPassword?: string;
  /** Seconds device flow clients are told to wait between polls; default 5. */
  readonly deviceFlowIntervalSeconds?: number;
}

/** The connected app registered in the served org, with the key that signs its JWT bearer assertions. */
export interface EmulatorConnectedApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly app: ConnectedApp;
}

/** A running emulator. `org` and `faults` can be inspected and changed while it serves. */
export interface EmulatorHandle {
  /** e.g. `http://127.0.0.1:53211`: the login, test, My Domain and instance host at once. */
  readonly baseUrl: string;
  readonly port: number;
  readonly org: EmulatedOrg;
  readonly faults: FaultController;
  readonly auth: OAuthServer;
  readonly connectedApp: EmulatorConnectedApp;
  readonly adminUsername: string;
  /** What every active user types on the login page (with their username). */
  readonly loginPassword: string;
  /** API requests served since start, and how many of them were query pages (`/query`, `/queryAll`, next pages). */
  readonly requestCounts: { readonly api: number; readonly queryPages: number };
  close(): Promise<void>;
}

const QUERY_PAGE_PATH = /^\/services\/data\/v\d+\.\d+\/(?:query|queryAll)(?:\/|$)/;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Bodies of JSON answers, encoded into buffers reused from answer to answer. */
const jsonBodies = new JsonBodies();

/** An answer as it goes on the wire: its bytes encoded, waiting to be sent (or dropped). */
interface EncodedAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bytes: Buffer | undefined;
  /** Gives a reused buffer back: once the socket is done with it, or at once when it is never sent. */
  readonly release: (() => void) | undefined;
}

function encode(answer: EmulatorResponse): EncodedAnswer {
  const headers: Record<string, string> = { ...answer.headers };
  let bytes: Buffer | undefined;
  let release: (() => void) | undefined;
  if (answer.body === undefined || answer.status === 204) bytes = undefined;
  // Encoded once, here: a string is measured (Content-Length) and then encoded again by the socket
  // write, which for a 600 KB query page cost about 40% more CPU than writing its bytes.
  else if (typeof answer.body === 'string') bytes = Buffer.from(answer.body, 'utf8');
  else if (Buffer.isBuffer(answer.body)) bytes = answer.body;
  else {
    const encoded = jsonBodies.encode(answer.body);
    ({ bytes, release } = encoded);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json;charset=UTF-8';
    }
  }
  if (bytes !== undefined) headers['Content-Length'] = String(bytes.length);
  return { status: answer.status, headers, bytes, release };
}

function send(response: ServerResponse, answer: EncodedAnswer): void {
  // The buffer is reused only once the whole answer is with the operating system; an answer whose
  // connection closed first keeps its buffer (the socket may still hold it).
  if (answer.release) response.once('finish', answer.release);
  response.writeHead(answer.status, answer.headers);
  response.end(answer.bytes);
}

function write(response: ServerResponse, answer: EmulatorResponse): void {
  send(response, encode(answer));
}

function serverError(status: 500 | 503): EmulatorResponse {
  return status === 503
    ? {
        status,
        headers: { 'Content-Type': 'application/json;charset=UTF-8', 'Retry-After': '1' },
        body: [
          { errorCode: 'SERVER_UNAVAILABLE', message: 'Service temporarily unavailable, please retry.' },
        ],
      }
    : {
        status,
        headers: { 'Content-Type': 'application/json;charset=UTF-8' },
        body: [
          {
            errorCode: 'UNKNOWN_EXCEPTION',
            message:
              'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
          },
        ],
      };
}

/**
 * "In each REST call, the maximum length for the combined URI and headers is
 * 16,384 bytes": past it Salesforce answers 414 URI Too Long when the URI
 * alone is too long, else 431 Request Header Fields Too Large (Salesforce
 * Help 000386264, "Maximum number of rows returned by SOQL queries over the
 * REST API"). The help article gives no body; the emulator sends plain text.
 */
export const MAX_URI_AND_HEADERS_BYTES = 16_384;

function oversizedRequest(incoming: IncomingMessage): EmulatorResponse | undefined {
  const uriBytes = Buffer.byteLength(incoming.url ?? '');
  if (uriBytes > MAX_URI_AND_HEADERS_BYTES) return { status: 414, body: 'URI Too Long' };
  let headerBytes = 0;
  for (let index = 0; index + 1 < incoming.rawHeaders.length; index += 2) {
    headerBytes +=
      Buffer.byteLength(incoming.rawHeaders[index] ?? '') +
      Buffer.byteLength(incoming.rawHeaders[index + 1] ?? '');
  }
  if (uriBytes + headerBytes > MAX_URI_AND_HEADERS_BYTES)
    return { status: 431, body: 'Request Header Fields Too Large' };
  return undefined;
}

const NOT_FOUND: EmulatorResponse = {
  status: 404,
  headers: { 'Content-Type': 'application/json;charset=UTF-8' },
  body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
};

/**
 * Starts an emulated Salesforce org over HTTP on 127.0.0.1.
 *
 * @example
 * const emulator = await startEmulator({ org: generateOrg({ seed: 1, preset: 'tiny' }) });
 * const token = await fetch(`${emulator.baseUrl}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({
 *   grant_type: 'client_credentials', client_id: emulator.connectedApp.clientId,
 *   client_secret: emulator.connectedApp.clientSecret }) }).then((r) => r.json());
 * await emulator.close();
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<EmulatorHandle> {
  const org = options.org ?? generateOrg({ seed: 1, preset: 'tiny' });
  const faults =
    options.faults instanceof FaultController
      ? options.faults
      : new FaultController(options.faults ?? {}, options.faultSeed ?? 1);
  const auth = new OAuthServer({
    directory: authDirectoryFor(org),
    orgId: org.organizationId,
    defaultUsername: org.adminUsername,
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.instanceUrl !== undefined ? { instanceUrl: options.instanceUrl } : {}),
    ...(options.authorize !== undefined ? { authorize: options.authorize } : {}),
    ...(options.loginPassword !== undefined ? { loginPassword: options.loginPassword } : {}),
    ...(options.deviceFlowIntervalSeconds !== undefined
      ? { deviceFlowIntervalSeconds: options.deviceFlowIntervalSeconds }
      : {}),
  });
  const registered = auth.apps.registerWithKeyPair({
    name: org.connectedApp.name,
    clientId: org.connectedApp.clientId,
    clientSecret: org.connectedApp.clientSecret,
    callbackUrls: org.connectedApp.redirectUris,
    scopes: ['api', 'refresh_token', 'id', 'openid', 'full'],
    clientCredentialsRunAsUsername: org.connectedApp.runAsUsername,
    enableDeviceFlow: true,
  });
  faults.attach({
    setDailyApiLimit: (limit) => {
      org.apiUsage.limit = limit;
    },
    expireTokensAfterCalls: (calls) => {
      if (calls === undefined) auth.clearExpireAfterCalls();
      else auth.expireAfterCalls(calls);
    },
    tokenExpirations: () => auth.expirationsByCause['call-count'],
  });
  const dataApi = new DataApi(org, auth, faults);
  const scimApi = new ScimApi(org, auth);

  const route = (request: EmulatorRequest): EmulatorResponse => {
    if (OAuthServer.handles(request.path)) return auth.handle(request);
    if (request.path.startsWith('/services/data')) return dataApi.handle(request);
    if (request.path.startsWith('/services/scim/v2')) return scimApi.handle(request);
    return NOT_FOUND;
  };

  const requestCounts = { api: 0, queryPages: 0 };
  // Node's own header limit (16 KB by default) would answer 431 before Salesforce's rules apply.
  const server = createServer({ maxHeaderSize: 4 * MAX_URI_AND_HEADERS_BYTES }, (incoming, outgoing) => {
    void (async () => {
      const oversized = oversizedRequest(incoming);
      if (oversized !== undefined) {
        incoming.resume();
        write(outgoing, oversized);
        return;
      }
      const url = new URL(incoming.url ?? '/', `http://${incoming.headers.host ?? '127.0.0.1'}`);
      const body = await readBody(incoming);
      const isApi = url.pathname.startsWith('/services/data/v') || url.pathname.startsWith('/services/scim/');
      const request: EmulatorRequest = {
        method: (incoming.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body,
        baseUrl: `http://${incoming.headers.host ?? '127.0.0.1'}`,
      };
      let answer: EncodedAnswer | undefined;
      if (isApi) {
        requestCounts.api += 1;
        if (QUERY_PAGE_PATH.test(url.pathname)) requestCounts.queryPages += 1;
        const delay = faults.latencyFor();
        const drop = faults.shouldDropConnection();
        const status = drop ? undefined : faults.serverErrorStatus();
        if (delay > 0) {
          // `latency` is the time from a request to its answer, as a client of Salesforce sees it. A
          // read is answered as it arrives and sent once that time is up: the emulator's own work (a
          // 2,000-record page takes it 5–10 ms) is not Salesforce's and must not come on top of the
          // latency it was given. A write waits first and then takes effect, as it always has.
          const started = performance.now();
          if (request.method === 'GET' && !drop && status === undefined) answer = encode(route(request));
          const left = delay - (performance.now() - started);
          if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
        }
        if (drop) {
          incoming.socket.destroy();
          return;
        }
        if (status !== undefined) {
          write(outgoing, serverError(status));
          return;
        }
      }
      send(outgoing, answer ?? encode(route(request)));
    })().catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      if (!outgoing.headersSent) {
        write(outgoing, { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: detail }] });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    org,
    faults,
    auth,
    adminUsername: org.adminUsername,
    loginPassword: auth.loginPassword,
    requestCounts,
    connectedApp: {
      clientId: registered.app.clientId,
      clientSecret: registered.app.clientSecret,
      redirectUris: registered.app.callbackUrls,
      privateKeyPem: registered.privateKeyPem,
      publicKeyPem: registered.publicKeyPem,
      app: registered.app,
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
