import { HttpClient, type DeferredJson, type HttpFailure } from '@accessledger/connector-kit';
import {
  RateLimitedError,
  throwIfAborted,
  TransientError,
  type ApiCallUsage,
  type Logger,
} from '@accessledger/core';
import { mapApiError, parseApiErrors, SALESFORCE_NETWORK_FIXES } from '../errors.js';
import type { components } from '../generated/salesforce.js';
import { parseLimitInfo, remainingCalls, type ApiUsage } from './api-usage.js';
import { isRetryableAnswer, type RetryPolicy } from './retry.js';
import type { SalesforceSession, SessionProvider } from './session.js';

export type QueryResult = components['schemas']['QueryResult'];
export type SObjectRecord = components['schemas']['SObjectRecord'];
export type SaveResult = components['schemas']['SaveResult'];
export type BatchRequest = components['schemas']['BatchRequest'];
export type BatchResponse = components['schemas']['BatchResponse'];
export type Limits = components['schemas']['Limits'];
export type DescribeSObjectResult = components['schemas']['DescribeSObjectResult'];
export type ScimUser = components['schemas']['ScimUser'];
export type ScimUserList = components['schemas']['ScimUserList'];
export type ScimEntitlement = components['schemas']['ScimEntitlement'];
export type ScimPatchOp = components['schemas']['ScimPatchOp'];
export type ScimServiceProviderConfig = components['schemas']['ScimServiceProviderConfig'];

/** `schemas` of a SCIM PATCH body (RFC 7644 §3.5.2). */
export const SCIM_PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const API_VERSION = '63.0';

/** Path of an sObject resource: `/services/data/v63.0/sobjects/User` or `…/User/005…`. */
export function sobjectPath(sobject: string, id?: string): string {
  const base = `/services/data/v${API_VERSION}/sobjects/${encodeURIComponent(sobject)}`;
  return id === undefined ? base : `${base}/${encodeURIComponent(id)}`;
}

/** Path of a SCIM 2.0 resource: `/services/scim/v2/Users/005…`. */
export function scimPath(resource: 'Users' | 'Entitlements' | 'ServiceProviderConfigs', id?: string): string {
  const base = `/services/scim/v2/${resource}`;
  return id === undefined ? base : `${base}/${encodeURIComponent(id)}`;
}

export const COMPOSITE_BATCH_PATH = `/services/data/v${API_VERSION}/composite/batch`;

export interface SalesforceClientOptions {
  readonly sessions: SessionProvider;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  /** Stop calling when fewer than this many calls remain in the org's 24-hour budget. */
  readonly minRemainingApiCalls?: number;
  readonly timeoutMs?: number;
  /** Records per query page asked for (200–2000); Salesforce may send fewer. */
  readonly queryBatchSize?: number;
}

/**
 * The only module that speaks HTTP to Salesforce, through the kit's
 * `HttpClient` (retries, single-flight renewal, abort, request counting, JSON
 * answers, no link off the instance, network failures named by host). What is
 * Salesforce's own: which answers are retried, 401 INVALID_SESSION_ID as the
 * one renewal signal, the error codes' mapping, `Sforce-Limit-Info` and the API
 * budget floor, query paging, and typed helpers for the endpoints the
 * connector uses.
 */
export class SalesforceClient {
  private readonly http: HttpClient<SalesforceSession>;
  private usage: ApiUsage | null = null;
  private readonly minRemaining: number;

  constructor(private readonly options: SalesforceClientOptions) {
    this.minRemaining = options.minRemainingApiCalls ?? 0;
    this.http = new HttpClient({
      service: 'Salesforce',
      sessions: options.sessions,
      authorize: (session) => ({
        baseUrl: session.instanceUrl,
        headers: { authorization: `Bearer ${session.accessToken}` },
      }),
      logger: options.logger,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      // Every answer the connector reads is JSON, and every link Salesforce gives (nextRecordsUrl) is a path
      // on the instance: no answer can send the bearer token to another origin.
      requireJson: true,
      paths: 'root-relative',
      originName: 'the instance',
      networkFixes: SALESFORCE_NETWORK_FIXES,
      hooks: {
        // Salesforce sends no expiry: a 401 INVALID_SESSION_ID is the signal to renew, once.
        isSessionExpired: isInvalidSession,
        isRetryable: isRetryableAnswer,
        onResponse: (headers) => this.recordUsage(headers['sforce-limit-info']),
        beforeRequest: (request) => this.checkBudget(request.action),
        mapError: (failure, request, retryAfterMs) =>
          mapApiError(salesforceErrorBody(failure.data), {
            httpStatus: failure.status,
            action: request.action,
            retryAfterMs,
          }),
      },
    });
  }

  /** API usage from the last response's Sforce-Limit-Info header. */
  get apiUsage(): ApiUsage | null {
    return this.usage;
  }

  /** HTTP requests this client sent (retries included: each counts against the org's budget), with the budget. */
  get callUsage(): ApiCallUsage {
    return {
      requests: this.http.requests,
      ...(this.usage ? { dailyUsed: this.usage.used, dailyMax: this.usage.limit } : {}),
    };
  }

  /** Streams a query's records page by page, following `nextRecordsUrl` until `done`. */
  async *query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    signal: AbortSignal,
    options: QueryOptions = {},
  ): AsyncGenerator<T[], void, undefined> {
    for await (const page of this.queryPages<T>(soql, signal, options)) yield page.records();
  }

  /**
   * A query's pages, each kept as the bytes Salesforce sent until read: a page read ahead of its
   * reader waits as bytes, not as thousands of objects (a large sync's pages then die young). The
   * next page is asked for with the `nextRecordsUrl` of the page before, read with the page's
   * `totalSize` and `done` but without its records (`summary`); the records of a large page are
   * parsed as they are read. A page that does not parse or lacks `done`/`records` fails when its
   * summary is read, the first page's at once (for `onTotalSize`).
   */
  async *queryPages<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    signal: AbortSignal,
    options: QueryOptions = {},
  ): AsyncGenerator<QueryPage<T>, void, undefined> {
    const action =
      options.action ?? `running a query on ${/\bFROM\s+(\w+)/i.exec(soql)?.[1] ?? 'Salesforce'}`;
    const headers = this.options.queryBatchSize
      ? { 'Sforce-Query-Options': `batchSize=${this.options.queryBatchSize}` }
      : undefined;
    const resource = options.includeDeleted ? 'queryAll' : 'query';
    let page = new LazyQueryPage<T>(
      await this.http.requestDeferred<QueryResult>(
        {
          method: 'GET',
          path: `/services/data/v${API_VERSION}/${resource}`,
          query: { q: soql },
          action,
          ...(headers ? { headers } : {}),
        },
        signal,
      ),
      action,
    );
    options.onTotalSize?.(page.summary().totalSize);
    for (;;) {
      yield page;
      const { done, nextRecordsUrl } = page.summary();
      if (done || !nextRecordsUrl) return;
      throwIfAborted(signal);
      page = new LazyQueryPage<T>(
        await this.http.requestDeferred<QueryResult>(
          { method: 'GET', path: nextRecordsUrl, action, ...(headers ? { headers } : {}) },
          signal,
        ),
        action,
      );
    }
  }

  /** `SELECT COUNT() …`: totalSize, no records. */
  async count(soql: string, signal: AbortSignal): Promise<number> {
    const response = await this.http.request<QueryResult>(
      {
        method: 'GET',
        path: `/services/data/v${API_VERSION}/query`,
        query: { q: soql },
        action: 'counting records',
      },
      signal,
    );
    return response.data.totalSize;
  }

  async limits(signal: AbortSignal): Promise<Limits> {
    const response = await this.http.request<Limits>(
      { method: 'GET', path: `/services/data/v${API_VERSION}/limits`, action: 'reading org limits' },
      signal,
    );
    return response.data;
  }

  async describeUser(signal: AbortSignal): Promise<DescribeSObjectResult> {
    return this.describe('User', signal);
  }

  /** `GET /sobjects/{sobject}/describe`: the object's fields, e.g. PermissionSet's `Permissions*`. */
  async describe(sobject: string, signal: AbortSignal): Promise<DescribeSObjectResult> {
    const response = await this.http.request<DescribeSObjectResult>(
      {
        method: 'GET',
        path: `/services/data/v${API_VERSION}/sobjects/${encodeURIComponent(sobject)}/describe`,
        action: `describing ${sobject}`,
      },
      signal,
    );
    return response.data;
  }

  /** Creates a record. Never retried on a dropped connection: it may have been created. */
  async create(sobject: string, fields: Record<string, unknown>, signal: AbortSignal): Promise<SaveResult> {
    const response = await this.http.request<SaveResult>(
      {
        method: 'POST',
        path: sobjectPath(sobject),
        body: fields,
        action: `creating a ${sobject}`,
      },
      signal,
    );
    return response.data;
  }

  async update(
    sobject: string,
    id: string,
    fields: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<void> {
    await this.http.request(
      {
        method: 'PATCH',
        path: sobjectPath(sobject, id),
        body: fields,
        action: `updating ${sobject} ${id}`,
      },
      signal,
    );
  }

  async delete(sobject: string, id: string, signal: AbortSignal): Promise<void> {
    await this.http.request(
      {
        method: 'DELETE',
        path: sobjectPath(sobject, id),
        action: `deleting ${sobject} ${id}`,
      },
      signal,
    );
  }

  /**
   * Up to 25 subrequests in order, without rollback; the call answers 200 with
   * per-subrequest status codes (REST API Developer Guide: "Batch").
   */
  async compositeBatch(
    batch: BatchRequest,
    signal: AbortSignal,
    options: { readonly idempotent: boolean },
  ): Promise<BatchResponse> {
    const response = await this.http.request<BatchResponse>(
      {
        method: 'POST',
        path: COMPOSITE_BATCH_PATH,
        body: batch,
        idempotent: options.idempotent,
        action: `running a batch of ${batch.batchRequests.length} subrequests`,
      },
      signal,
    );
    return response.data;
  }

  /**
   * The org's SCIM capabilities. Salesforce documents the plural
   * `ServiceProviderConfigs` (Salesforce Help: "Understand the SCIM
   * Implementation"); an org without SCIM answers 404 (`NotFoundError`).
   */
  async scimServiceProviderConfig(signal: AbortSignal): Promise<ScimServiceProviderConfig> {
    const response = await this.http.request<ScimServiceProviderConfig>(
      {
        method: 'GET',
        path: scimPath('ServiceProviderConfigs'),
        action: 'reading the SCIM service provider config',
      },
      signal,
    );
    return response.data;
  }

  /** `PATCH /services/scim/v2/Users/{id}`: active, roles and other user attributes. */
  async scimPatchUser(userId: string, patch: ScimPatchOp, signal: AbortSignal): Promise<void> {
    await this.http.request(
      {
        method: 'PATCH',
        path: scimPath('Users', userId),
        body: patch,
        headers: { 'content-type': 'application/scim+json' },
        action: `updating user ${userId} through SCIM`,
      },
      signal,
    );
  }

  /** `PATCH /services/scim/v2/Entitlements/{id}`: adds or removes members of a profile or permission set. */
  async scimPatchEntitlement(entitlementId: string, patch: ScimPatchOp, signal: AbortSignal): Promise<void> {
    await this.http.request(
      {
        method: 'PATCH',
        path: scimPath('Entitlements', entitlementId),
        body: patch,
        headers: { 'content-type': 'application/scim+json' },
        action: `changing the members of entitlement ${entitlementId} through SCIM`,
      },
      signal,
    );
  }

  private checkBudget(action: string): void {
    if (!this.usage || this.minRemaining <= 0) return;
    const remaining = remainingCalls(this.usage);
    if (remaining < this.minRemaining) {
      throw new RateLimitedError(
        `Not ${action}: the org has ${remaining} API calls left of ${this.usage.limit} in its 24-hour window, under the configured floor of ${this.minRemaining}. Raise the floor's headroom or wait for the window to free up.`,
        null,
        { upstreamCode: 'API_BUDGET_FLOOR' },
      );
    }
  }

  private recordUsage(header: unknown): void {
    const usage = parseLimitInfo(typeof header === 'string' ? header : undefined);
    if (usage) this.usage = usage;
  }
}

export interface QueryOptions {
  readonly includeDeleted?: boolean;
  readonly action?: string;
  /** Called once with the first page's `totalSize`, for progress reporting. */
  readonly onTotalSize?: (totalSize: number) => void;
}

/** One page of a query; its records are parsed when first asked for (the same array every time). */
export interface QueryPage<T> {
  records(): T[];
  /**
   * The records in order, for reading once, a run at a time: parsed a slice (about 48 KB of JSON) at a
   * time as they are read, unless `records()` parsed them already (then one run). Only the run being
   * read is held, so a page's records do not all outlive a young-generation collection. A page drained
   * cannot be read again.
   */
  drain(): Generator<readonly T[], void, undefined>;
}

class LazyQueryPage<T> implements QueryPage<T> {
  /** The page as parsed and checked; `records` left empty in it while `unread` holds them. */
  private page: QueryResult | undefined;
  /** A large page's records, not yet parsed: read once, by `records` or `drain`. */
  private unread: (() => Generator<readonly unknown[], void, undefined>) | undefined;
  private drained = false;

  constructor(
    private readonly body: DeferredJson<QueryResult>,
    private readonly action: string,
  ) {}

  /**
   * `totalSize`, `done` and `nextRecordsUrl`, read without the records: the next page is asked for
   * while this one waits to be read, and its records are parsed only when it is.
   */
  summary(): Omit<QueryResult, 'records'> {
    return this.parsed();
  }

  records(): T[] {
    const page = this.parsed();
    const unread = this.takeUnread();
    if (unread) page.records = [...unread()].flat() as QueryResult['records'];
    return page.records as T[];
  }

  *drain(): Generator<readonly T[], void, undefined> {
    const page = this.parsed();
    const unread = this.takeUnread();
    if (unread) {
      // Nothing keeps them: records() after this would have none to give.
      this.drained = true;
      yield* unread() as Generator<readonly T[], void, undefined>;
    } else yield page.records as T[];
  }

  private takeUnread(): (() => Generator<readonly unknown[], void, undefined>) | undefined {
    if (this.drained) throw new Error(`A query page's records were drained already (${this.action}).`);
    const unread = this.unread;
    this.unread = undefined;
    return unread;
  }

  private parsed(): QueryResult {
    if (!this.page) {
      // Every record begins with its `attributes` (REST API Developer Guide, "Execute a SOQL Query"):
      // the page is cut into slices where one record ends and the next begins, found by search
      // (`sliceJsonBytes`; a page written otherwise is read byte by byte, with the same result).
      const { value, runs } = this.body.sliced('records', { elementStart: '{"attributes":' });
      assertQueryPage(value, this.action);
      this.page = value;
      this.unread = runs;
    }
    return this.page;
  }
}

/** A query page must say whether it is the last and carry its records (REST API Developer Guide: "Query"). */
function assertQueryPage(page: unknown, action: string): asserts page is QueryResult {
  const record = page && typeof page === 'object' ? (page as Record<string, unknown>) : {};
  const missing = [
    ...(typeof record['done'] === 'boolean' ? [] : ['done']),
    ...(Array.isArray(record['records']) ? [] : ['records']),
    ...(typeof record['totalSize'] === 'number' ? [] : ['totalSize']),
    ...(record['done'] === false && typeof record['nextRecordsUrl'] !== 'string' ? ['nextRecordsUrl'] : []),
  ];
  if (missing.length > 0) {
    throw new TransientError(
      `Salesforce answered ${action} with a query page without ${missing.join(', ')}. Nothing was stored from it.`,
      { upstreamCode: 'MALFORMED_RESPONSE' },
    );
  }
}

/**
 * SCIM answers errors as `{schemas, status, scimType, detail}` (RFC 7644
 * §3.12). `detail` is free text for people: nothing is read out of it. The
 * error is mapped by its HTTP status and, where present, its documented
 * `scimType` (e.g. `uniqueness`, `mutability`, `invalidValue`), turned into
 * the REST error array so that one mapping serves both.
 */
function salesforceErrorBody(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  if (typeof record['detail'] !== 'string' || record['errorCode'] !== undefined) return body;
  const scimType = typeof record['scimType'] === 'string' ? record['scimType'] : undefined;
  const errorCode = scimType ? `SCIM_${scimType}` : `SCIM_${String(record['status'])}`;
  return [{ errorCode, message: record['detail'] }];
}

/** A 401 with INVALID_SESSION_ID, or with no error body at all, is a session to renew. */
function isInvalidSession(failure: HttpFailure): boolean {
  if (failure.status !== 401) return false;
  const errors = parseApiErrors(failure.data);
  return errors.length === 0 || errors.some((apiError) => apiError.errorCode === 'INVALID_SESSION_ID');
}
