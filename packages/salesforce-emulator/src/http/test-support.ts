import { signJwtAssertion } from '../auth/testing.js';
import type { EmulatorHandle } from './server.js';

/** An access token for `username` (default the admin), minted through the JWT bearer flow over HTTP. */
export async function accessTokenFor(
  emulator: EmulatorHandle,
  username = emulator.adminUsername,
): Promise<string> {
  const assertion = signJwtAssertion({
    clientId: emulator.connectedApp.clientId,
    username,
    audience: 'https://login.salesforce.com',
    privateKey: emulator.connectedApp.privateKeyPem,
  });
  const response = await fetch(`${emulator.baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`no token for ${username}: ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** A small fetch wrapper for tests: JSON in, JSON out, bearer token attached. */
export function apiClient(emulator: EmulatorHandle, token: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> => {
    const response = await fetch(`${emulator.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  };
}
