import type { HttpClient } from '@accessledger/connector-kit';
import {
  mapScimError,
  pageByCursor,
  pageByIndex,
  SCIM_MEDIA_TYPE,
  type HttpMethod,
  type ScimListResponse,
  type ScimPatchRequest,
} from '@accessledger/connector-kit';
import { NotFoundError, UnsupportedError, type JsonValue, type PlannedCall } from '@accessledger/core';
import type { ScimResource, Versioned } from './resources.js';

/** What authorizes a call: the headers, and when they stop working if the service said. */
export interface ScimSession {
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: number | null;
}

/**
 * The only module that speaks HTTP to the service provider: the kit's
 * retrying client with SCIM's media type and error bodies, and the few
 * resource calls the connector makes. Paths are relative to the base URL.
 */
export class ScimClient {
  constructor(
    private readonly http: HttpClient<ScimSession>,
    /** The base URL's path, e.g. `/scim/v2`, so that planned calls name the path on the host. */
    private readonly basePath: string,
  ) {}

  get requests(): number {
    return this.http.requests;
  }

  async get<T extends ScimResource>(
    path: string,
    signal: AbortSignal,
    action: string,
  ): Promise<Versioned<T>> {
    const response = await this.http.request<T>({ method: 'GET', path, action }, signal);
    return { resource: response.data, etag: etagOf(response.headers['etag'], response.data) };
  }

  /** A discovery document, or null when the provider does not serve it (404, 501). */
  async discover<T>(path: string, signal: AbortSignal): Promise<T | null> {
    try {
      const response = await this.http.request<T>({ method: 'GET', path, action: `reading ${path}` }, signal);
      return response.data;
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof UnsupportedError) return null;
      throw error;
    }
  }

  async list<T>(
    endpoint: string,
    query: Readonly<Record<string, string>>,
    startIndex: number,
    count: number,
    signal: AbortSignal,
  ): Promise<ScimListResponse<T>> {
    const response = await this.http.request<ScimListResponse<T>>(
      {
        method: 'GET',
        path: endpoint,
        query: { ...query, startIndex: String(startIndex), count: String(count) },
        action: `listing ${endpoint} from ${startIndex}`,
      },
      signal,
    );
    return response.data;
  }

  /** Every resource of an endpoint, page by page: by cursor where the provider offers it (RFC 9865), else by index. */
  listAll<T extends ScimResource>(
    endpoint: string,
    options: {
      readonly pageSize: number;
      readonly cursor: boolean;
      readonly signal: AbortSignal;
      readonly query?: Readonly<Record<string, string>>;
      readonly onTotal?: (total: number) => void;
    },
  ): AsyncGenerator<T[], void, undefined> {
    const query = options.query ?? {};
    const paging = {
      pageSize: options.pageSize,
      signal: options.signal,
      idOf: (resource: T) => resource.id,
      ...(options.onTotal ? { onTotal: options.onTotal } : {}),
    };
    if (options.cursor) {
      return pageByCursor(async (cursor, count) => {
        const response = await this.http.request<ScimListResponse<T>>(
          {
            method: 'GET',
            path: endpoint,
            query: { ...query, cursor, count: String(count) },
            action: `listing ${endpoint}`,
          },
          options.signal,
        );
        return response.data;
      }, paging);
    }
    return pageByIndex(
      (startIndex, count) => this.list<T>(endpoint, query, startIndex, count, options.signal),
      paging,
    );
  }

  /** Sends a planned write; POST creates are never replayed by the kit when they may have been applied. */
  async write<T>(call: ScimWrite, signal: AbortSignal): Promise<Versioned<T> | null> {
    const response = await this.http.request<T>(
      {
        method: call.method,
        path: call.path,
        ...(call.body !== undefined ? { body: call.body } : {}),
        ...(call.ifMatch ? { headers: { 'if-match': call.ifMatch } } : {}),
        action: call.description,
      },
      signal,
    );
    if (
      response.status === 204 ||
      response.data === undefined ||
      response.data === null ||
      response.data === ''
    )
      return null;
    return { resource: response.data, etag: etagOf(response.headers['etag'], response.data) };
  }

  /** How a write is reported in `OpResult.calls`: the path on the host, the body sent. */
  planned(call: ScimWrite): PlannedCall {
    return {
      method: call.method,
      path: `${this.basePath}/${call.path}`,
      ...(call.body !== undefined ? { body: call.body as JsonValue } : {}),
      description: call.description,
    };
  }
}

/** One write to the provider. */
export interface ScimWrite {
  readonly method: Exclude<HttpMethod, 'GET'>;
  /** Relative to the base URL: `Users`, `Groups/42`. */
  readonly path: string;
  readonly body?: ScimPatchRequest | Readonly<Record<string, unknown>>;
  readonly ifMatch?: string | null;
  readonly description: string;
}

function etagOf(header: unknown, body: unknown): string | null {
  if (typeof header === 'string' && header !== '') return header;
  const version = (body as ScimResource | undefined)?.meta?.version;
  return typeof version === 'string' && version !== '' ? version : null;
}

/** The kit's hooks for SCIM: error bodies by status and scimType, the SCIM media type. */
export function scimHttpOptions(service: string) {
  return {
    service,
    contentType: SCIM_MEDIA_TYPE,
    // Every SCIM answer with a body is JSON (RFC 7644 §3.1, §3.4.2): anything else, such as a proxy's
    // sign-in page, must fail the call. Read as a list it would have no Resources, and a sync would
    // report every user gone.
    requireJson: true,
    hooks: {
      mapError: (
        failure: { status: number; data: unknown },
        request: { action: string },
        retryAfterMs: number | null,
      ) =>
        failure.status === 401
          ? undefined
          : mapScimError(failure.status, failure.data, { service, action: request.action, retryAfterMs }),
    },
  };
}
