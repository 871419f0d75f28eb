import 'reflect-metadata';
import { createRunContext, InMemoryCredentialStore, type RunContext } from '@accessledger/core';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { OAuthSalesforceClientFactory } from '../src/client-factory.js';
import { salesforceConfigSchema, type SalesforceConfigInput } from '../src/config.js';
import { SalesforceConnector } from '../src/connector.js';
import { CredentialNames } from '../src/http/grants.js';

/** A fresh tiny emulated org over a real socket; each test file (or test) uses its own seed. */
export async function startTinyOrg(seed: number): Promise<EmulatorHandle> {
  return startEmulator({ org: generateOrg({ seed, preset: 'tiny' }) });
}

export function configFor(
  handle: EmulatorHandle,
  extra: Partial<SalesforceConfigInput> = {},
): SalesforceConfigInput {
  return {
    domain: handle.baseUrl,
    allowCustomHosts: true,
    auth: { flow: 'client-credentials', clientId: handle.connectedApp.clientId },
    ...extra,
  };
}

export function connectorFor(
  handle: EmulatorHandle,
  extra: Partial<SalesforceConfigInput> = {},
): SalesforceConnector {
  const config = salesforceConfigSchema.parse(configFor(handle, extra));
  const clients = new OAuthSalesforceClientFactory(config);
  clients.retry = { retries: 4, baseDelayMs: 2, maxDelayMs: 10 };
  return new SalesforceConnector(config, clients);
}

export function contextFor(
  handle: EmulatorHandle,
  signal: AbortSignal = new AbortController().signal,
): RunContext {
  return createRunContext({
    signal,
    credentials: new InMemoryCredentialStore({
      [CredentialNames.clientSecret]: handle.connectedApp.clientSecret,
      [CredentialNames.privateKey]: handle.connectedApp.privateKeyPem,
    }),
  });
}

type Row = Readonly<Record<string, unknown>>;

/** Emulator rows, for asserting what the org holds after an operation. */
export function rowsOf(
  handle: EmulatorHandle,
  objectName: string,
  match: Record<string, string | boolean | null> = {},
): Row[] {
  return handle.org.find(objectName, match) as Row[];
}

export function idOf(row: Row | undefined): string {
  const value = row?.['Id'];
  if (typeof value !== 'string') throw new Error('the emulated org lacks a record the test needs');
  return value;
}

/** An active Standard user other than the integration admin, whose license fits the standard permission sets. */
export function plainUser(handle: EmulatorHandle, skip = 0): Row {
  const salesforceLicense = idOf(rowsOf(handle, 'UserLicense', { Name: 'Salesforce' })[0]);
  const profiles = new Set(
    rowsOf(handle, 'Profile')
      .filter(
        (profile) =>
          profile['UserLicenseId'] === salesforceLicense && profile['Name'] !== 'Automated Process',
      )
      .map((profile) => profile['Id']),
  );
  const users = rowsOf(handle, 'User', { IsActive: true, UserType: 'Standard' }).filter(
    (user) => user['Id'] !== handle.org.adminUserId && profiles.has(user['ProfileId']),
  );
  const user = users[skip];
  if (!user) throw new Error(`the emulated org has fewer than ${skip + 1} plain users`);
  return user;
}

/** A Regular permission set without a license restriction. */
export function regularPermissionSet(handle: EmulatorHandle, skip = 0): Row {
  const sets = rowsOf(handle, 'PermissionSet', { Type: 'Regular', IsOwnedByProfile: false, LicenseId: null });
  const set = sets[skip];
  if (!set) throw new Error('the emulated org has too few regular permission sets');
  return set;
}

/** A Regular permission set without a license restriction that the user does not hold. */
export function unheldPermissionSet(handle: EmulatorHandle, userId: string): Row {
  const held = new Set(
    rowsOf(handle, 'PermissionSetAssignment', { AssigneeId: userId }).map((row) => row['PermissionSetId']),
  );
  const set = rowsOf(handle, 'PermissionSet', {
    Type: 'Regular',
    IsOwnedByProfile: false,
    LicenseId: null,
  }).find((row) => !held.has(row['Id']));
  if (!set) throw new Error(`user ${userId} already holds every regular permission set`);
  return set;
}
