import {
  AbortedError,
  InvalidInputError,
  RateLimitedError,
  throwIfAborted,
  TransientError,
  type ApiCallUsage,
  type Logger,
} from '@accessledger/core';
import axios, { type AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import axiosRetry from 'axios-retry';
import { mapApiError, mapNetworkError, parseApiErrors } from '../errors.js';
import type { components } from '../generated/salesforce.js';
import { parseLimitInfo, remainingCalls, type ApiUsage } from './api-usage.js';
import { defaultRetryPolicy, retryAfterMs, retryDelayMs, shouldRetry, type RetryPolicy } from './retry.js';
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

export interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path from the instance root, e.g. `/services/data/v63.0/limits`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Safe to send twice even though the method is POST. */
  readonly idempotent?: boolean;
  /** What the call does, for error messages: `querying User`. */
  readonly action: string;
}

/**
 * The only module that speaks HTTP to Salesforce: one axios instance with
 * retries (axios-retry), session renewal on 401 INVALID_SESSION_ID, the API
 * budget floor, and typed helpers for the endpoints the connector uses.
 */
export class SalesforceClient {
  private readonly http: AxiosInstance;
  private usage: ApiUsage | null = null;
  private requestsSent = 0;
  private readonly minRemaining: number;

  constructor(private readonly options: SalesforceClientOptions) {
    this.minRemaining = options.minRemainingApiCalls ?? 0;
    this.http = axios.create({
      timeout: options.timeoutMs ?? 120_000,
      validateStatus: (status) => status >= 200 && status < 300,
      maxRedirects: 0,
    });
    // Counted in an interceptor so that the retries axios-retry sends are counted too.
    this.http.interceptors.request.use((config) => {
      this.requestsSent += 1;
      return config;
    });
    const policy = options.retry ?? defaultRetryPolicy;
    axiosRetry(this.http, {
      retries: policy.retries,
      retryCondition: shouldRetry,
      retryDelay: (retryNumber, error) => retryDelayMs(policy, retryNumber, error),
      shouldResetTimeout: true,
      onRetry: (retryNumber, error, config) => {
        options.logger.warn(
          {
            retryNumber,
            method: config.method,
            url: config.url,
            status: error.response?.status,
            code: error.code,
          },
          'retrying Salesforce call',
        );
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
      requests: this.requestsSent,
      ...(this.usage ? { dailyUsed: this.usage.used, dailyMax: this.usage.limit } : {}),
    };
  }

  async request<T>(spec: RequestSpec, signal: AbortSignal): Promise<AxiosResponse<T>> {
    throwIfAborted(signal);
    this.checkBudget(spec.action);
    let session = await this.options.sessions.current(signal);
    try {
      return await this.send<T>(session, spec, signal);
    } catch (error) {
      if (!isInvalidSession(error)) throw this.translate(error, spec.action, signal);
    }
    // Salesforce sends no expiry: a 401 INVALID_SESSION_ID is the signal to renew, once.
    session = await this.options.sessions.renew(session, signal);
    try {
      return await this.send<T>(session, spec, signal);
    } catch (error) {
      throw this.translate(error, spec.action, signal);
    }
  }

  /** Streams a query's records page by page, following `nextRecordsUrl` until `done`. */
  async *query<T extends SObjectRecord = SObjectRecord>(
    soql: string,
    signal: AbortSignal,
    options: {
      readonly includeDeleted?: boolean;
      readonly action?: string;
      /** Called once with the first page's `totalSize`, for progress reporting. */
      readonly onTotalSize?: (totalSize: number) => void;
    } = {},
  ): AsyncGenerator<T[], void, undefined> {
    const action =
      options.action ?? `running a query on ${/\bFROM\s+(\w+)/i.exec(soql)?.[1] ?? 'Salesforce'}`;
    const headers = this.options.queryBatchSize
      ? { 'Sforce-Query-Options': `batchSize=${this.options.queryBatchSize}` }
      : undefined;
    const resource = options.includeDeleted ? 'queryAll' : 'query';
    let page = await this.request<QueryResult>(
      {
        method: 'GET',
        path: `/services/data/v${API_VERSION}/${resource}`,
        query: { q: soql },
        action,
        ...(headers ? { headers } : {}),
      },
      signal,
    );
    assertQueryPage(page.data, action);
    options.onTotalSize?.(page.data.totalSize);
    for (;;) {
      yield page.data.records as T[];
      const next = page.data.nextRecordsUrl;
      if (page.data.done || !next) return;
      throwIfAborted(signal);
      page = await this.request<QueryResult>(
        { method: 'GET', path: next, action, ...(headers ? { headers } : {}) },
        signal,
      );
      assertQueryPage(page.data, action);
    }
  }

  /** `SELECT COUNT() …`: totalSize, no records. */
  async count(soql: string, signal: AbortSignal): Promise<number> {
    const response = await this.request<QueryResult>(
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
    const response = await this.request<Limits>(
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
    const response = await this.request<DescribeSObjectResult>(
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
    const response = await this.request<SaveResult>(
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
    await this.request(
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
    await this.request(
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
    const response = await this.request<BatchResponse>(
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
    const response = await this.request<ScimServiceProviderConfig>(
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
    await this.request(
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
    await this.request(
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

  private async send<T>(
    session: SalesforceSession,
    spec: RequestSpec,
    signal: AbortSignal,
  ): Promise<AxiosResponse<T>> {
    const url = instanceUrlFor(session, spec.path, spec.action);
    for (const [key, value] of Object.entries(spec.query ?? {})) url.searchParams.set(key, value);
    const response = await this.http.request<T>({
      method: spec.method,
      url: url.toString(),
      data: spec.body,
      idempotent: spec.idempotent === true,
      signal,
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        accept: 'application/json',
        ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...spec.headers,
      },
    });
    this.recordUsage(response.headers['sforce-limit-info']);
    assertJsonAnswer(response, spec.action);
    return response;
  }

  private recordUsage(header: unknown): void {
    const usage = parseLimitInfo(typeof header === 'string' ? header : undefined);
    if (usage) this.usage = usage;
  }

  private translate(error: unknown, action: string, signal: AbortSignal): Error {
    if (signal.aborted || axios.isCancel(error))
      return new AbortedError(`Aborted while ${action}.`, { cause: error });
    if (!axios.isAxiosError(error)) return error instanceof Error ? error : new Error(String(error));
    const axiosError = error as AxiosError;
    if (axiosError.response) {
      this.recordUsage(axiosError.response.headers['sforce-limit-info']);
      return mapApiError(salesforceErrorBody(axiosError.response.data), {
        httpStatus: axiosError.response.status,
        action,
        retryAfterMs: retryAfterMs(axiosError.response.headers['retry-after']),
      });
    }
    return mapNetworkError(axiosError, { url: axiosError.config?.url, action });
  }
}

/**
 * Every answer the connector reads is JSON. A proxy's HTML error page, a
 * captive portal, a body cut off mid-way or a wrong content type would
 * otherwise reach the sync as a string or half an object.
 */
function assertJsonAnswer(response: AxiosResponse, action: string): void {
  if (response.status === 204) return;
  const contentType = String(response.headers['content-type'] ?? '');
  const empty = response.data === '' || response.data === undefined || response.data === null;
  if (empty && response.status !== 200) return;
  if (!/^application\/(?:[\w.-]+\+)?json\b/i.test(contentType)) {
    throw new TransientError(
      `Salesforce answered ${action} with ${contentType || 'no content type'} instead of JSON` +
        `${bodySnippet(response.data)}: a proxy or firewall between accessledger and Salesforce may have answered instead. Nothing was stored from it.`,
      { upstreamCode: 'MALFORMED_RESPONSE', httpStatus: response.status },
    );
  }
  if (typeof response.data === 'string') {
    throw new TransientError(
      `Salesforce answered ${action} with JSON that does not parse (${response.data.length} characters, cut off or malformed)` +
        `${bodySnippet(response.data)}. Nothing was stored from it.`,
      { upstreamCode: 'MALFORMED_RESPONSE', httpStatus: response.status },
    );
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

function bodySnippet(data: unknown): string {
  const text = typeof data === 'string' ? data : '';
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return plain ? ` ("${plain}${text.length > 80 ? '…' : ''}")` : '';
}

/**
 * The URL of a path on the session's instance. Paths come from this code or
 * from Salesforce (`nextRecordsUrl`, links in answers): only a relative path
 * on the instance is followed, so that no answer can send the bearer token to
 * another origin. Checked before the request is built.
 */
function instanceUrlFor(session: SalesforceSession, path: string, action: string): URL {
  const base = new URL(`${session.instanceUrl}/`);
  const url = /^\/(?![/\\])/.test(path) ? new URL(path, base) : null;
  if (!url || url.origin !== base.origin) {
    throw new InvalidInputError(
      `Not ${action}: Salesforce named the link "${path.slice(0, 200)}", which is not a path on the instance ${base.origin}; only relative paths are followed, and no token was sent.`,
    );
  }
  return url;
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

function isInvalidSession(error: unknown): boolean {
  if (!axios.isAxiosError(error) || error.response?.status !== 401) return false;
  const errors = parseApiErrors(error.response.data);
  return errors.length === 0 || errors.some((apiError) => apiError.errorCode === 'INVALID_SESSION_ID');
}
