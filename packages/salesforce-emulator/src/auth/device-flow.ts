import { randomBytes } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../http/types.js';
import { requestedScopes } from './authorize-endpoint.js';
import { oauthError, tokenIssued } from './responses.js';
import { grantsRefreshToken, loginRefusal, respondWithTokens } from './server-context.js';
import type { AuthorizationServerContext } from './server-context.js';
import type { AuthClock } from './types.js';

export interface DeviceAuthorization {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  intervalMs: number;
  lastPollAt: number | undefined;
  status: 'pending' | 'approved' | 'denied';
  userId: string | undefined;
}

/** RFC 8628 §6.1: user codes from 20 consonants, so that no words (and no look-alikes such as 0/O) appear. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/** Device codes waiting for (or holding) a person's answer at the verification URL. */
export class DeviceAuthorizationStore {
  private readonly byDeviceCode = new Map<string, DeviceAuthorization>();

  constructor(
    private readonly clock: AuthClock,
    private readonly ttlMs: number,
    private readonly intervalMs: number,
  ) {}

  issue(clientId: string, scopes: readonly string[]): DeviceAuthorization {
    const record: DeviceAuthorization = {
      deviceCode: `M0${randomBytes(36).toString('base64url')}`,
      userCode: newUserCode(),
      clientId,
      scopes,
      expiresAt: this.clock.now() + this.ttlMs,
      intervalMs: this.intervalMs,
      lastPollAt: undefined,
      status: 'pending',
      userId: undefined,
    };
    this.byDeviceCode.set(record.deviceCode, record);
    return record;
  }

  get(deviceCode: string): DeviceAuthorization | undefined {
    return this.byDeviceCode.get(deviceCode);
  }

  /** A pending, unexpired device authorization by its user code (case and dashes ignored). */
  pendingByUserCode(userCode: string): DeviceAuthorization | undefined {
    const wanted = userCode.toUpperCase().replace(/[^A-Z0-9]/g, '');
    for (const record of this.byDeviceCode.values()) {
      if (record.userCode === wanted && record.status === 'pending' && !this.expired(record)) return record;
    }
    return undefined;
  }

  approve(deviceCode: string, userId: string): void {
    const record = this.byDeviceCode.get(deviceCode);
    if (record !== undefined && record.status === 'pending') {
      record.status = 'approved';
      record.userId = userId;
    }
  }

  deny(deviceCode: string): void {
    const record = this.byDeviceCode.get(deviceCode);
    if (record !== undefined && record.status === 'pending') record.status = 'denied';
  }

  delete(deviceCode: string): void {
    this.byDeviceCode.delete(deviceCode);
  }

  expired(record: DeviceAuthorization): boolean {
    return this.clock.now() >= record.expiresAt;
  }
}

/**
 * `POST /services/oauth2/token` with `response_type=device_code`: the device authorization request
 * (Salesforce Help "OAuth 2.0 Device Flow for IoT Integration": Salesforce answers with a device code,
 * a human-readable user code, a verification URL and the polling interval). Salesforce's example
 * answer carries no `expires_in`; RFC 8628 §3.2 requires it, so the emulator sends it and clients must
 * cope without it.
 */
export function deviceAuthorizationRequest(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  parameters: URLSearchParams,
): EmulatorResponse {
  const app = context.apps.get(parameters.get('client_id') ?? '');
  if (app === undefined) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  if (!app.enableDeviceFlow) {
    return oauthError(400, 'unauthorized_client', 'device flow is not enabled for this connected app');
  }
  const scopes = requestedScopes(parameters.get('scope'), app);
  if (scopes === undefined) return oauthError(400, 'invalid_scope', 'the requested scope is not allowed');
  const record = context.devices.issue(app.clientId, scopes);
  return tokenIssued({
    device_code: record.deviceCode,
    user_code: record.userCode,
    verification_uri: `${request.baseUrl}/setup/connect`,
    interval: Math.ceil(record.intervalMs / 1000),
    expires_in: Math.round((record.expiresAt - context.clock.now()) / 1000),
  });
}

/**
 * `grant_type=device` with `code` (the device code) and `client_id`: one poll. Errors follow RFC 8628
 * §3.5 (`authorization_pending`, `slow_down` which also lengthens the interval by 5 seconds,
 * `access_denied`, `expired_token`); Salesforce's article names the polling step but not every error
 * body, so the RFC's are used. A code is redeemed once.
 */
export function deviceGrant(
  context: AuthorizationServerContext,
  request: EmulatorRequest,
  parameters: URLSearchParams,
): EmulatorResponse {
  const app = context.apps.get(parameters.get('client_id') ?? '');
  if (app === undefined) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
  const record = context.devices.get(parameters.get('code') ?? '');
  if (record === undefined || record.clientId !== app.clientId) {
    return oauthError(400, 'invalid_grant', 'invalid device code');
  }
  const now = context.clock.now();
  if (context.devices.expired(record)) {
    context.devices.delete(record.deviceCode);
    return oauthError(400, 'expired_token', 'the device code has expired');
  }
  const tooSoon = record.lastPollAt !== undefined && now - record.lastPollAt < record.intervalMs;
  record.lastPollAt = now;
  if (tooSoon) {
    record.intervalMs += 5000;
    return oauthError(400, 'slow_down', 'polling too frequently');
  }
  if (record.status === 'denied') {
    context.devices.delete(record.deviceCode);
    return oauthError(400, 'access_denied', 'end-user denied authorization');
  }
  if (record.status === 'pending' || record.userId === undefined) {
    return oauthError(400, 'authorization_pending', 'authorization pending');
  }
  context.devices.delete(record.deviceCode);
  const user = context.directory.findById(record.userId);
  if (user === undefined) return oauthError(400, 'invalid_grant', 'invalid device code');
  const refusal = loginRefusal(user);
  if (refusal !== undefined) return oauthError(400, 'invalid_grant', refusal);
  return respondWithTokens(context, request, {
    app,
    user,
    grantType: 'device',
    scopes: record.scopes,
    signed: true,
    withRefreshToken: grantsRefreshToken(record.scopes),
  });
}

function newUserCode(): string {
  let code = '';
  for (const byte of randomBytes(8)) code += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
  return code;
}
