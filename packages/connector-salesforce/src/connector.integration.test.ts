import 'reflect-metadata';
import {
  AbortedError,
  ConnectorRegistry,
  createRunContext,
  InMemoryCredentialStore,
} from '@accessledger/core';
import { collectSync, describeConnectorConformance } from '@accessledger/core/testing';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { container } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialNames } from './http/grants.js';
import { configFor, connectorFor, contextFor } from '../test/emulated-org.js';
import { registerSalesforceConnector } from './plugin.js';

let emulator: EmulatorHandle;

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 11, preset: 'tiny' }) });
});
afterAll(async () => emulator.close());

describeConnectorConformance({
  name: 'salesforce (emulated tiny org)',
  createConnector: () => {
    // Through the registry, as the app builds it.
    const app = container.createChildContainer();
    registerSalesforceConnector(app);
    return new ConnectorRegistry(app).createConnector({
      name: 'emulated',
      connectorId: 'salesforce',
      config: configFor(emulator),
    });
  },
  createContext: (signal) => contextFor(emulator, signal),
});

describe('SalesforceConnector against the emulated org', () => {
  it('logs in with JWT bearer and reports the org and the integration user', async () => {
    const connector = connectorFor(emulator, {
      auth: {
        flow: 'jwt-bearer',
        clientId: emulator.connectedApp.clientId,
        username: emulator.adminUsername,
      },
    });
    const report = await connector.validate(contextFor(emulator));
    expect(report.ok).toBe(true);
    expect(report.identity['orgId']).toBe(emulator.org.organizationId);
    expect(report.identity['username']).toBe(emulator.adminUsername);
    expect(report.checks.map((check) => check.name)).toContain('permission.api-enabled');
  });

  it('fails the check of a missing permission and says where to enable it', async () => {
    const adminProfileId = String(emulator.org.get(emulator.org.adminUserId)?.['ProfileId']);
    const [owned] = emulator.org.store.table('PermissionSet').rowsWhere('ProfileId', adminProfileId);
    if (!owned) throw new Error('the admin profile has no owned permission set');
    const assigned = emulator.org
      .find('PermissionSetAssignment', { AssigneeId: emulator.org.adminUserId })
      .map((assignment) => String(assignment['PermissionSetId']));
    expect(assigned).toEqual([owned.Id]);
    emulator.org.store.updateRaw(owned, 'PermissionSet', {
      PermissionsManagePackageLicenses: false,
      PermissionsModifyAllData: false,
    });
    try {
      const report = await connectorFor(emulator).validate(contextFor(emulator));
      const check = (name: string) => report.checks.find((entry) => entry.name === name);
      expect(report.ok).toBe(false);
      expect(check('permission.manage-package-licenses')).toMatchObject({ ok: false });
      expect(check('permission.manage-package-licenses')?.fix).toContain('Setup > Users > Permission Sets');
      // Modify All Data is only needed for provisioning: reported, not failed.
      expect(check('permission.modify-all-data')).toMatchObject({ ok: true });
      expect(check('permission.view-all-users')).toMatchObject({ ok: true });
    } finally {
      emulator.org.store.updateRaw(owned, 'PermissionSet', {
        PermissionsManagePackageLicenses: true,
        PermissionsModifyAllData: true,
      });
    }
  });

  it('checks View Setup and Configuration, which gates permission set groups, muting and setup objects', async () => {
    const adminProfileId = String(emulator.org.get(emulator.org.adminUserId)?.['ProfileId']);
    const [owned] = emulator.org.store.table('PermissionSet').rowsWhere('ProfileId', adminProfileId);
    if (!owned) throw new Error('the admin profile has no owned permission set');
    emulator.org.store.updateRaw(owned, 'PermissionSet', {
      PermissionsViewSetup: false,
      PermissionsModifyAllData: false,
    });
    try {
      const report = await connectorFor(emulator).validate(contextFor(emulator));
      const check = report.checks.find((entry) => entry.name === 'permission.view-setup');
      expect(report.ok).toBe(false);
      expect(check).toMatchObject({ ok: false });
      expect(check?.message).toMatch(/muting permission sets/);
      expect(check?.fix).toContain('System Permissions > Edit > "View Setup and Configuration"');
    } finally {
      emulator.org.store.updateRaw(owned, 'PermissionSet', {
        PermissionsViewSetup: true,
        PermissionsModifyAllData: true,
      });
    }
  });

  it('reports a failed login as a failed check with a fix, not a throw', async () => {
    const connector = connectorFor(emulator);
    const ctx = createRunContext({
      credentials: new InMemoryCredentialStore({ [CredentialNames.clientSecret]: 'wrong' }),
    });
    const report = await connector.validate(ctx);
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: 'authentication', ok: false });
    expect(report.checks[0]?.fix).toMatch(/App Manager/);
  });

  it('streams activity, only logins after `since` when given', async () => {
    const connector = connectorFor(emulator);
    const all = [];
    for await (const record of connector.activity(contextFor(emulator))) all.push(record);
    expect(all.length).toBe(emulator.org.store.count('User'));
    const since = new Date('2026-01-01T00:00:00Z');
    const recent = [];
    for await (const record of connector.activity(contextFor(emulator), since)) recent.push(record);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(all.length);
    expect(recent.every((record) => (record.lastActivityAt?.getTime() ?? 0) > since.getTime())).toBe(true);
  });

  it('aborts a sync that is waiting on a slow org', async () => {
    const slow = await startEmulator({
      org: generateOrg({ seed: 12, preset: 'tiny' }),
      faults: { latencyMs: 2_000 },
    });
    try {
      const controller = new AbortController();
      const connector = connectorFor(slow);
      const pending = collectSync(connector, contextFor(slow, controller.signal)).catch(
        (error: unknown) => error,
      );
      setTimeout(() => controller.abort(new Error('operator stop')), 100);
      expect(await pending).toBeInstanceOf(AbortedError);
    } finally {
      await slow.close();
    }
  });
});
