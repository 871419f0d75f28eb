import 'reflect-metadata';
import { createRunContext, InMemoryCredentialStore, type RunContext } from '@accessledger/core';
import {
  ENTERPRISE_SCHEMA,
  startScimServer,
  type ScimServerHandle,
  type ScimServerOptions,
} from '@accessledger/scim-test-server';
import { scimConfigSchema, ScimCredentialNames, type ScimConfigInput } from '../src/config.js';
import { ScimConnector } from '../src/connector.js';
import { HttpScimClientFactory } from '../src/http/client-factory.js';

/** The people and groups every provider in these tests starts with. */
export interface SeededDirectory {
  readonly ada: string;
  readonly grace: string;
  readonly linus: string;
  readonly engineering: string;
  readonly platform: string;
  readonly everyone: string;
}

/**
 * A SCIM provider over a real socket, seeded: Ada and Grace are in
 * Platform, Platform is inside Engineering, Engineering inside Everyone;
 * Linus is in no group. Ada holds role `admin` and entitlement `billing`.
 */
export async function startProvider(
  options: ScimServerOptions = {},
): Promise<{ server: ScimServerHandle; people: SeededDirectory }> {
  const server = await startScimServer(options);
  const store = server.store;
  const user = (userName: string, extra: Record<string, unknown> = {}) =>
    store.create('User', {
      userName,
      active: true,
      emails: [{ value: userName, type: 'work', primary: true }],
      ...extra,
    }).id;
  const ada = user('ada@example.com', {
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    displayName: 'Ada Lovelace',
    title: 'Analyst',
    roles: [{ value: 'admin', display: 'Administrator', primary: true }],
    entitlements: [{ value: 'billing', type: 'app' }],
    [ENTERPRISE_SCHEMA]: { department: 'Engineering', employeeNumber: '1' },
  });
  const grace = user('grace@example.com', {
    displayName: 'Grace Hopper',
    [ENTERPRISE_SCHEMA]: { department: 'Navy', manager: { value: ada, displayName: 'Ada Lovelace' } },
  });
  const linus = user('linus@example.com', { active: false });
  let platform = '';
  let engineering = '';
  let everyone = '';
  if (server.settings.groups) {
    platform = store.create('Group', {
      displayName: 'Platform',
      members: [{ value: ada }, { value: grace }],
    }).id;
    engineering = store.create('Group', {
      displayName: 'Engineering',
      members: [{ value: platform, type: 'Group' }],
    }).id;
    everyone = store.create('Group', {
      displayName: 'Everyone',
      members: [{ value: engineering, type: 'Group' }],
    }).id;
  }
  return { server, people: { ada, grace, linus, engineering, platform, everyone } };
}

/** The secrets each auth variant of the test server expects. */
export function credentialsFor(server: ScimServerHandle): Record<string, string> {
  const auth = server.settings.auth;
  if (auth.kind === 'bearer') return { [ScimCredentialNames.token]: auth.token };
  if (auth.kind === 'basic') return { [ScimCredentialNames.password]: auth.password };
  return { [ScimCredentialNames.clientSecret]: auth.clientSecret };
}

export function configFor(server: ScimServerHandle, extra: Partial<ScimConfigInput> = {}): ScimConfigInput {
  const auth = server.settings.auth;
  return {
    baseUrl: server.baseUrl,
    auth:
      auth.kind === 'bearer'
        ? { method: 'bearer' }
        : auth.kind === 'basic'
          ? { method: 'basic', username: auth.username }
          : { method: 'oauth-client-credentials', tokenUrl: server.tokenUrl, clientId: auth.clientId },
    ...extra,
  };
}

export function connectorFor(config: ScimConfigInput): ScimConnector {
  const parsed = scimConfigSchema.parse(config);
  const clients = new HttpScimClientFactory(parsed);
  clients.retry = { retries: 4, baseDelayMs: 2, maxDelayMs: 50, maxRetryAfterMs: 2_000 };
  return new ScimConnector(parsed, clients);
}

export function contextFor(
  credentials: Record<string, string>,
  signal: AbortSignal = new AbortController().signal,
): RunContext {
  return createRunContext({ signal, credentials: new InMemoryCredentialStore(credentials) });
}
