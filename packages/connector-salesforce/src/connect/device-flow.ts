import { AbortedError, AuthError, InvalidInputError, isAccessLedgerError } from '@accessledger/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapOAuthError } from '../errors.js';
import type { components } from '../generated/salesforce.js';
import { postOAuthForm, requestToken, type TokenEndpointOptions } from '../http/session.js';
import { CONNECT_SCOPES, connectedSessionFrom, type ConnectedSession } from './web-server-flow.js';

type DeviceAuthorizationRequest = components['schemas']['DeviceAuthorizationRequest'];
type DeviceAuthorizationResponse = components['schemas']['DeviceAuthorizationResponse'];

/** What the person is told to do, and what the device polls with. */
export interface DeviceAuthorization {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly verificationUri: string;
  /** Seconds between polls, as Salesforce gave it (5 when it gave none, RFC 8628 §3.2). */
  readonly intervalSeconds: number;
  /** ms epoch after which the code is no use; Salesforce's answer may not say, then 10 minutes. */
  readonly expiresAt: number;
}

/**
 * Starts the device flow (Salesforce Help "OAuth 2.0 Device Flow for IoT Integration"): a POST to the
 * token endpoint with `response_type=device_code`; the connected app needs "Enable for Device Flow".
 */
export async function startDeviceAuthorization(
  endpoint: TokenEndpointOptions,
  clientId: string,
  signal: AbortSignal,
  scopes: readonly string[] = CONNECT_SCOPES,
): Promise<DeviceAuthorization> {
  const form: DeviceAuthorizationRequest = {
    response_type: 'device_code',
    client_id: clientId,
    scope: scopes.join(' '),
  };
  const response = await postOAuthForm(endpoint, 'token', form, signal);
  if (response.status !== 200) {
    const error = mapOAuthError(response.data, response.status);
    if (
      ['unauthorized_client', 'invalid_request', 'unsupported_grant_type'].includes(
        error.details.upstreamCode ?? '',
      )
    ) {
      throw new AuthError(
        `Salesforce refused the device flow for this app (${error.details.upstreamCode}): turn on "Enable for Device Flow" in Setup > App Manager > the app > Edit > API (Enable OAuth Settings).`,
        error.details,
        { cause: error },
      );
    }
    throw error;
  }
  const answer = response.data as Partial<DeviceAuthorizationResponse>;
  if (
    typeof answer.device_code !== 'string' ||
    typeof answer.user_code !== 'string' ||
    typeof answer.verification_uri !== 'string'
  ) {
    throw new InvalidInputError('The device flow answer lacks device_code, user_code or verification_uri.');
  }
  const interval = typeof answer.interval === 'number' && answer.interval > 0 ? answer.interval : 5;
  const expiresIn = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 600;
  return {
    deviceCode: answer.device_code,
    userCode: answer.user_code,
    verificationUri: answer.verification_uri,
    intervalSeconds: interval,
    expiresAt: Date.now() + expiresIn * 1000,
  };
}

/**
 * Polls the token endpoint (`grant_type=device`) at the interval Salesforce gave until the person
 * allows or denies, the code expires or `signal` aborts. `slow_down` adds 5 seconds to the interval
 * (RFC 8628 §3.5).
 */
export async function pollDeviceAuthorization(
  endpoint: TokenEndpointOptions,
  clientId: string,
  device: DeviceAuthorization,
  signal: AbortSignal,
): Promise<ConnectedSession> {
  let intervalSeconds = device.intervalSeconds;
  for (;;) {
    try {
      await sleep(intervalSeconds * 1000, undefined, { signal });
    } catch {
      throw new AbortedError('Stopped waiting for the device code to be entered: nothing was stored.');
    }
    if (Date.now() >= device.expiresAt) throw expired();
    try {
      const token = await requestToken(
        endpoint,
        { grant_type: 'device', client_id: clientId, code: device.deviceCode },
        signal,
      );
      return connectedSessionFrom(token);
    } catch (error) {
      const code = isAccessLedgerError(error) ? error.details.upstreamCode : undefined;
      if (code === 'authorization_pending') continue;
      if (code === 'slow_down') {
        intervalSeconds += 5;
        continue;
      }
      if (code === 'access_denied') {
        throw new AuthError(
          'Access was denied at the verification page. Nothing was stored; run the command again and click Allow.',
          {
            upstreamCode: code,
          },
        );
      }
      if (code === 'expired_token') throw expired();
      throw error;
    }
  }
}

function expired(): AuthError {
  return new AuthError(
    'The user code expired before it was entered and allowed. Nothing was stored; run the command again.',
    {
      upstreamCode: 'expired_token',
    },
  );
}
