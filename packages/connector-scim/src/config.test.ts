import 'reflect-metadata';
import { ConnectorRegistry, InvalidConfigError } from '@accessledger/core';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { scimConfigSchema } from './config.js';
import { ScimConnector } from './connector.js';
import { registerScimConnector } from './plugin.js';

describe('scim config', () => {
  it('takes a base URL and an auth method, with defaults', () => {
    expect(
      scimConfigSchema.parse({ baseUrl: 'https://api.example.com/scim/v2/', auth: { method: 'bearer' } }),
    ).toEqual({
      baseUrl: 'https://api.example.com/scim/v2',
      auth: { method: 'bearer' },
      pageSize: 100,
      deactivate: 'set-inactive',
      timeoutMs: 60_000,
    });
    const oauth = scimConfigSchema.parse({
      baseUrl: 'https://api.example.com/scim/v2',
      auth: {
        method: 'oauth-client-credentials',
        tokenUrl: 'https://login.example.com/token',
        clientId: 'abc',
      },
    });
    expect(oauth.auth).toEqual({
      method: 'oauth-client-credentials',
      tokenUrl: 'https://login.example.com/token',
      clientId: 'abc',
      clientAuthentication: 'basic',
    });
  });

  it('refuses plain http off loopback, unknown methods and fields, with messages that say the fix', () => {
    const registry = (() => {
      const child = container.createChildContainer();
      registerScimConnector(child);
      return new ConnectorRegistry(child);
    })();
    const error = (config: unknown) => {
      try {
        registry.createConnector({ name: 'x', connectorId: 'scim', config });
      } catch (caught) {
        return caught as InvalidConfigError;
      }
      throw new Error('expected the config to be refused');
    };
    const insecure = error({ baseUrl: 'http://api.example.com/scim/v2', auth: { method: 'bearer' } });
    expect(insecure).toBeInstanceOf(InvalidConfigError);
    expect(insecure.issues[0]?.message).toContain('must use https://');
    expect(
      error({ baseUrl: 'https://a.example.com', auth: { method: 'token' } }).issues[0]?.message,
    ).toContain('auth.method must be "bearer"');
    expect(
      error({ baseUrl: 'https://a.example.com', auth: { method: 'basic' } }).issues[0]?.message,
    ).toContain('auth.username is required');
    expect(
      registry.createConnector({
        name: 'x',
        connectorId: 'scim',
        config: { baseUrl: 'http://127.0.0.1:9/scim', auth: { method: 'bearer' } },
      }),
    ).toBeInstanceOf(ScimConnector);
  });
});
