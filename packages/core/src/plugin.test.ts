import 'reflect-metadata';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from './connector.js';
import { InvalidConfigError, InvalidInputError } from './errors.js';
import { ConnectorRegistry, registerConnectorPlugin } from './plugin.js';
import { inMemoryPlugin } from '../test/in-memory-connector.js';

function registryWith(...plugins: (typeof inMemoryPlugin)[]): ConnectorRegistry {
  const container = rootContainer.createChildContainer();
  for (const plugin of plugins) registerConnectorPlugin(container, plugin);
  return new ConnectorRegistry(container);
}

describe('ConnectorRegistry', () => {
  it('resolves registered plugins and builds a connector whose capabilities are derived from its methods', () => {
    const registry = registryWith(inMemoryPlugin);
    expect(registry.list().map((plugin) => plugin.id)).toEqual(['in-memory']);
    const connector = registry.createConnector({ name: 'hr', connectorId: 'in-memory', config: {} });
    expect(capabilitiesOf(connector)).toEqual({
      sync: true,
      provision: true,
      deprovision: ['deactivate', 'release'],
      activity: true,
    });
  });

  it('names every wrong field of a configuration and how to fix it', () => {
    const registry = registryWith(inMemoryPlugin);
    let caught: unknown;
    try {
      registry.createConnector({
        name: 'hr',
        connectorId: 'in-memory',
        config: { seed: 'full', label: '', extra: 1 },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidConfigError);
    const error = caught as InvalidConfigError;
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['', 'label', 'seed']);
    expect(error.message).toContain('Connection "hr" (in-memory) has an invalid configuration');
    expect(error.message).toContain('seed: seed must be "default" or "empty"');
    expect(error.message).toContain('label: label must not be empty');
    expect(error.message).toMatch(/extra/);
  });

  it('says which connector ids exist when asked for an unknown one', () => {
    const registry = registryWith(inMemoryPlugin);
    expect(() => registry.createConnector({ name: 'crm', connectorId: 'hubspot', config: {} })).toThrow(
      /No connector plugin "hubspot" is registered \(known: in-memory\)/,
    );
  });

  it('refuses a plugin registered twice', () => {
    expect(() => registryWith(inMemoryPlugin, inMemoryPlugin)).toThrow(InvalidInputError);
  });

  it('works with no plugins registered', () => {
    expect(registryWith().list()).toEqual([]);
  });
});
