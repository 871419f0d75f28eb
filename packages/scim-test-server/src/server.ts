import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listOf, resourceTypes, schemaDefinitions, serviceProviderConfig } from './discovery.js';
import { ScimProtocolError } from './errors.js';
import { matches, parseFilter, valuesAt } from './filter.js';
import { applyPatch } from './patch.js';
import { defaultSettings, type ScimServerSettings } from './settings.js';
import {
  ENTERPRISE_SCHEMA,
  GROUP_SCHEMA,
  ScimStore,
  USER_SCHEMA,
  type ResourceKind,
  type StoredResource,
} from './store.js';

export interface ScimServerOptions extends Partial<ScimServerSettings> {
  /** 0 or omitted: a free port on 127.0.0.1. */
  readonly port?: number;
  /** Runs before a list is served: tests add or delete resources between pages here. */
  readonly beforeList?: (kind: ResourceKind, query: URLSearchParams, store: ScimStore) => void;
  /**
   * Runs before a POST, PUT, PATCH or DELETE is applied (`id` undefined for
   * POST): tests change the resource here to play a concurrent writer.
   */
  readonly beforeWrite?: (
    method: string,
    kind: ResourceKind,
    id: string | undefined,
    store: ScimStore,
  ) => void;
}

export interface ReceivedRequest {
  readonly method: string;
  /** Path under the SCIM base path, e.g. `/Users/…`. */
  readonly path: string;
  readonly query: string;
  readonly status: number;
  readonly ifMatch: string | undefined;
  readonly body: unknown;
}

export interface ScimServerHandle {
  /** e.g. `http://127.0.0.1:5123/scim/v2`. */
  readonly baseUrl: string;
  /** The OAuth token endpoint (only answers with `auth.kind: 'oauth'`). */
  readonly tokenUrl: string;
  readonly store: ScimStore;
  readonly settings: ScimServerSettings;
  /** Every request served, in order (token requests included, with path `/token`). */
  readonly requests: ReceivedRequest[];
  /** Tokens the token endpoint issued. */
  readonly tokensIssued: () => number;
  /** Makes every token issued so far invalid: the next call with one answers 401. */
  revokeTokens(): void;
  /** The next `count` SCIM requests answer 429 with Retry-After. */
  throttleNext(count: number, retryAfterSeconds?: number): void;
  close(): Promise<void>;
}

const SCIM_JSON = 'application/scim+json';

/**
 * A SCIM 2.0 service provider over HTTP, from RFC 7643 and RFC 7644: Users
 * (with the enterprise extension), Groups (members may be groups), discovery,
 * filters, index and cursor paging, PATCH, PUT, DELETE, ETags, uniqueness.
 *
 * @example
 * ```ts
 * const scim = await startScimServer({ patch: false, maxResults: 2 });
 * scim.store.create('User', { userName: 'ada@example.com', active: true });
 * // … point a client at scim.baseUrl with `Authorization: Bearer scim-test-token`
 * await scim.close();
 * ```
 */
export async function startScimServer(options: ScimServerOptions = {}): Promise<ScimServerHandle> {
  const settings: ScimServerSettings = { ...defaultSettings, ...withoutUndefined(options) };
  const store = new ScimStore(settings.uniqueGroupNames);
  const requests: ReceivedRequest[] = [];
  const tokens = new Map<string, number>();
  let tokensIssued = 0;
  let throttled = 0;
  let throttledRetryAfter = 1;
  let counter = 0;
  let origin = '';

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(request.url ?? '/', origin);
      let answer: Answer;
      let body: unknown;
      try {
        if (url.pathname === '/oauth/token') {
          answer = tokenEndpoint(request, raw);
        } else {
          if (!url.pathname.startsWith(settings.basePath))
            throw new ScimProtocolError(404, `Nothing at ${url.pathname}`);
          body = parseBody(raw, request.method ?? 'GET');
          answer = handle(request, url, body);
        }
      } catch (error) {
        answer = errorAnswer(error);
      }
      requests.push({
        method: request.method ?? '',
        path: url.pathname === '/oauth/token' ? '/token' : url.pathname.slice(settings.basePath.length),
        query: url.search,
        status: answer.status,
        ifMatch: request.headers['if-match'],
        body,
      });
      send(response, answer);
    });
  });

  function tokenEndpoint(request: IncomingMessage, raw: string): Answer {
    if (settings.auth.kind !== 'oauth' || request.method !== 'POST')
      throw new ScimProtocolError(404, 'No token endpoint');
    const form = new URLSearchParams(raw);
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
    if (basic?.[1]) {
      const [id = '', secret = ''] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id);
      clientSecret = decodeURIComponent(secret);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type' }, json: 'application/json' };
    }
    if (clientId !== settings.auth.clientId || !sameText(clientSecret ?? '', settings.auth.clientSecret)) {
      return {
        status: 401,
        body: { error: 'invalid_client' },
        json: 'application/json',
        headers: { 'WWW-Authenticate': 'Basic' },
      };
    }
    const lifetime = settings.auth.tokenLifetimeSeconds ?? 3600;
    const token = randomBytes(16).toString('hex');
    tokens.set(token, Date.now() + lifetime * 1000);
    tokensIssued += 1;
    return {
      status: 200,
      body: { access_token: token, token_type: 'Bearer', expires_in: lifetime },
      json: 'application/json',
      headers: { 'Cache-Control': 'no-store' },
    };
  }

  function authenticate(request: IncomingMessage): void {
    const header = request.headers.authorization ?? '';
    const auth = settings.auth;
    const challenge = {
      'WWW-Authenticate': auth.kind === 'basic' ? 'Basic realm="scim"' : 'Bearer realm="scim"',
    };
    const refuse = (): never => {
      throw new ScimProtocolError(
        401,
        'Authorization failure. The authorization header is invalid or missing.',
        undefined,
        challenge,
      );
    };
    if (auth.kind === 'basic') {
      const match = /^Basic\s+(.+)$/i.exec(header);
      if (!match?.[1]) refuse();
      const expected = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      if (!sameText(match?.[1] ?? '', expected)) refuse();
      return;
    }
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    if (token === undefined) return refuse();
    if (auth.kind === 'bearer') {
      if (!sameText(token, auth.token)) refuse();
      return;
    }
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined || expiresAt < Date.now()) refuse();
  }

  function handle(request: IncomingMessage, url: URL, body: unknown): Answer {
    authenticate(request);
    counter += 1;
    if (throttled > 0) {
      throttled -= 1;
      throw new ScimProtocolError(429, 'Too many requests.', undefined, {
        'Retry-After': String(throttledRetryAfter),
      });
    }
    const limit = settings.rateLimit;
    if (limit && (counter - 1) % limit.every < limit.burst) {
      throw new ScimProtocolError(429, 'Too many requests.', undefined, {
        'Retry-After': String(limit.retryAfterSeconds),
      });
    }
    const method = request.method ?? 'GET';
    const parts = url.pathname
      .slice(settings.basePath.length)
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    const [resource, id, extra] = parts;
    if (extra !== undefined) throw new ScimProtocolError(404, `Nothing at ${url.pathname}`);
    const base = `${origin}${settings.basePath}`;
    if (!settings.discovery && (resource === 'ResourceTypes' || resource === 'Schemas')) {
      throw new ScimProtocolError(404, `Nothing at ${url.pathname}`);
    }
    if (method === 'GET' && id === undefined) {
      if (resource === 'ServiceProviderConfig') return ok(serviceProviderConfig(settings, base));
      if (resource === 'ResourceTypes') return ok(listOf(resourceTypes(settings, base)));
      if (resource === 'Schemas') return ok(listOf(schemaDefinitions(settings, base)));
    }
    if (method === 'GET' && resource === 'ResourceTypes' && id !== undefined) {
      return ok(findOrFail(resourceTypes(settings, base), id));
    }
    if (method === 'GET' && resource === 'Schemas' && id !== undefined) {
      return ok(findOrFail(schemaDefinitions(settings, base), id));
    }
    const kind: ResourceKind | undefined =
      resource === 'Users' ? 'User' : resource === 'Groups' && settings.groups ? 'Group' : undefined;
    if (kind === undefined) throw new ScimProtocolError(404, `Nothing at ${url.pathname}`);
    if (id === undefined) {
      if (method === 'GET') return list(kind, url.searchParams);
      if (method === 'POST') {
        options.beforeWrite?.(method, kind, undefined, store);
        const created = store.create(kind, attributesOf(body, kind));
        return withEtag(201, created, { Location: locationOf(created) });
      }
      throw new ScimProtocolError(405, `${method} is not allowed on /${resource}.`);
    }
    const current = store.get(kind, id);
    if (method === 'GET') {
      const ifNoneMatch = request.headers['if-none-match'];
      if (settings.etag && ifNoneMatch !== undefined && ifNoneMatch === etagOf(current)) {
        return { status: 304, body: undefined, headers: { ETag: etagOf(current) } };
      }
      return withEtag(200, current);
    }
    options.beforeWrite?.(method, kind, id, store);
    checkPrecondition(request, current);
    if (method === 'PUT') return withEtag(200, store.replace(kind, id, attributesOf(body, kind)));
    if (method === 'PATCH') {
      if (!settings.patch)
        throw new ScimProtocolError(501, 'PATCH is not supported by this service provider.');
      store.commit(current, applyPatch(current.attributes, body));
      return withEtag(200, current);
    }
    if (method === 'DELETE') {
      store.delete(kind, id);
      return { status: 204, body: undefined };
    }
    throw new ScimProtocolError(405, `${method} is not allowed on /${resource}/{id}.`);
  }

  function checkPrecondition(request: IncomingMessage, current: StoredResource): void {
    const ifMatch = request.headers['if-match'];
    if (!settings.etag) return;
    if (ifMatch === undefined) {
      if (settings.requireIfMatch) {
        throw new ScimProtocolError(
          428,
          'This service provider requires If-Match with the resource version.',
        );
      }
      return;
    }
    const accepted = ifMatch.split(',').map((tag) => tag.trim());
    if (!accepted.includes('*') && !accepted.includes(etagOf(current))) {
      throw new ScimProtocolError(412, `The resource is at version ${etagOf(current)}, not ${ifMatch}.`);
    }
  }

  function list(kind: ResourceKind, query: URLSearchParams): Answer {
    options.beforeList?.(kind, query, store);
    const filterText = query.get('filter');
    if (filterText !== null && !settings.filter) {
      throw new ScimProtocolError(501, 'Filtering is not supported by this service provider.');
    }
    const filter = filterText === null ? undefined : parseFilter(filterText);
    const sortBy = query.get('sortBy');
    const sorting = sortBy !== null && settings.sort;
    const stored = [...store.table(kind).values()];
    // Only a filter or a sort needs every resource rendered; otherwise only the page is.
    let matched: Record<string, unknown>[] | null = null;
    if (filter || sorting) {
      matched = stored.map(render).filter((resource) => !filter || matches(resource, filter));
      if (sortBy !== null && sorting) {
        const descending = query.get('sortOrder') === 'descending';
        matched.sort((left, right) => {
          const a = String(valuesAt(left, sortBy)[0] ?? '');
          const b = String(valuesAt(right, sortBy)[0] ?? '');
          return descending ? b.localeCompare(a) : a.localeCompare(b);
        });
      }
    }
    const total = matched === null ? stored.length : matched.length;
    const slice = (from: number, to: number): Record<string, unknown>[] =>
      matched === null ? stored.slice(from, to).map(render) : matched.slice(from, to);
    const countParameter = query.get('count');
    const asked = countParameter === null ? settings.maxResults : Number.parseInt(countParameter, 10);
    // RFC 7644 §3.4.2.4: a negative count is 0; the provider may send fewer than asked.
    const count = Math.min(
      Math.max(0, Number.isNaN(asked) ? settings.maxResults : asked),
      settings.maxResults,
    );
    const cursorParameter = query.get('cursor');
    let startIndex: number;
    if (cursorParameter !== null && settings.cursor) {
      startIndex = cursorParameter === '' ? 1 : decodeCursor(cursorParameter);
    } else {
      const parsed = Number.parseInt(query.get('startIndex') ?? '1', 10);
      // RFC 7644 §3.4.2.4: a startIndex under 1 is taken as 1.
      startIndex = Number.isNaN(parsed) || parsed < 1 ? 1 : parsed;
    }
    const page = slice(startIndex - 1, startIndex - 1 + count).map((resource) => project(resource, query));
    const response: Record<string, unknown> = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: total,
      itemsPerPage: page.length,
      Resources: page,
    };
    if (cursorParameter !== null && settings.cursor) {
      const next = startIndex - 1 + page.length;
      if (next < total) response['nextCursor'] = encodeCursor(next + 1);
    } else {
      response['startIndex'] = startIndex;
    }
    return ok(response);
  }

  function render(resource: StoredResource): Record<string, unknown> {
    const attributes = structuredClone(resource.attributes);
    if (resource.kind === 'Group') {
      attributes['members'] = (Array.isArray(attributes['members']) ? attributes['members'] : []).map(
        (raw) => {
          const member = raw as { value: string; type?: string };
          const target =
            member.type === 'Group' ? store.groups.get(member.value) : store.users.get(member.value);
          return {
            value: member.value,
            type: member.type,
            $ref: `${origin}${settings.basePath}/${member.type === 'Group' ? 'Groups' : 'Users'}/${member.value}`,
            display: String(target?.attributes[member.type === 'Group' ? 'displayName' : 'userName'] ?? ''),
          };
        },
      );
    }
    const schemas =
      resource.kind === 'User'
        ? [USER_SCHEMA, ...(ENTERPRISE_SCHEMA in attributes ? [ENTERPRISE_SCHEMA] : [])]
        : [GROUP_SCHEMA];
    return {
      schemas,
      id: resource.id,
      ...attributes,
      // A user's groups are shown even by a provider without a Groups endpoint (RFC 7643 §4.1.2: readOnly).
      ...(resource.kind === 'User' ? groupsAttribute(store.groupsOfUser(resource.id)) : {}),
      meta: {
        resourceType: resource.kind,
        created: resource.created,
        lastModified: resource.lastModified,
        location: locationOf(resource),
        ...(settings.etag ? { version: etagOf(resource) } : {}),
      },
    };
  }

  function locationOf(resource: StoredResource): string {
    return `${origin}${settings.basePath}/${resource.kind === 'User' ? 'Users' : 'Groups'}/${resource.id}`;
  }

  function withEtag(status: number, resource: StoredResource, headers: Record<string, string> = {}): Answer {
    return {
      status,
      body: render(resource),
      headers: { ...headers, ...(settings.etag ? { ETag: etagOf(resource) } : {}) },
    };
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${origin}${settings.basePath}`,
    tokenUrl: `${origin}/oauth/token`,
    store,
    settings,
    requests,
    tokensIssued: () => tokensIssued,
    revokeTokens: () => tokens.clear(),
    throttleNext: (count, retryAfterSeconds = 1) => {
      throttled = count;
      throttledRetryAfter = retryAfterSeconds;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: string;
}

function groupsAttribute(groups: readonly unknown[]): Record<string, unknown> {
  return groups.length > 0 ? { groups } : {};
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

function send(response: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body !== undefined) headers['Content-Type'] = answer.json ?? SCIM_JSON;
  response.writeHead(answer.status, headers);
  response.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}

function errorAnswer(error: unknown): Answer {
  if (error instanceof ScimProtocolError)
    return { status: error.status, body: error.body(), headers: error.headers };
  const detail = error instanceof Error ? error.message : String(error);
  return { status: 500, body: new ScimProtocolError(500, detail).body() };
}

function parseBody(raw: string, method: string): unknown {
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ScimProtocolError(400, 'The request body is not valid JSON.', 'invalidSyntax');
  }
}

function attributesOf(body: unknown, kind: ResourceKind): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ScimProtocolError(400, 'The body must be a JSON object.', 'invalidSyntax');
  }
  const record = body as Record<string, unknown>;
  const schemas = Array.isArray(record['schemas']) ? record['schemas'] : [];
  const core = kind === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
  if (!schemas.includes(core)) {
    throw new ScimProtocolError(400, `The body must list the ${core} schema.`, 'invalidSyntax');
  }
  return record;
}

function etagOf(resource: StoredResource): string {
  return `W/"${resource.version}"`;
}

function findOrFail(resources: Record<string, unknown>[], id: string): Record<string, unknown> {
  const found = resources.find((resource) => resource['id'] === id);
  if (!found) throw new ScimProtocolError(404, `${id} not found`);
  return found;
}

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), top-level names only. */
function project(resource: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const wanted = query.get('attributes');
  const excluded = query.get('excludedAttributes');
  if (wanted === null && excluded === null) return resource;
  const names = (text: string | null) =>
    new Set(
      (text ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    );
  const keep = names(wanted);
  const drop = names(excluded);
  const projected: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const always = key === 'id' || key === 'schemas' || key === 'meta';
    if (!always && keep.size > 0 && !keep.has(key.toLowerCase())) continue;
    if (!always && drop.has(key.toLowerCase())) continue;
    projected[key] = value;
  }
  return projected;
}

function encodeCursor(index: number): string {
  return Buffer.from(`i:${index}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^i:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new ScimProtocolError(400, `Cursor "${cursor}" is not one this provider issued.`, 'invalidCursor');
  return Number(match[1]);
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
