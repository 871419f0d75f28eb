import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { z } from 'zod';
import type { Connector } from './connector.js';
import { InvalidConfigError, InvalidInputError, type ConfigIssue } from './errors.js';

/**
 * A connector package's entry into the app: its id, the schema of a
 * connection's (non-secret) configuration, and a factory.
 *
 * @example
 * ```ts
 * export const examplePlugin = defineConnectorPlugin({
 *   id: 'example',
 *   displayName: 'Example',
 *   configSchema: z.strictObject({ baseUrl: z.url() }),
 *   create: (config, container) => container.resolve(ExampleConnector).configure(config),
 * });
 * registerConnectorPlugin(container, examplePlugin);
 * ```
 */
export interface ConnectorPlugin<TConfig = unknown> {
  readonly id: string;
  readonly displayName: string;
  readonly configSchema: z.ZodType<TConfig>;
  /**
   * Builds a connector for one connection. `container` is a child of the app's
   * container: the plugin may register its own classes in it. `connection`
   * names the connection, for messages that tell a person what to run.
   */
  create(config: TConfig, container: DependencyContainer, connection: { readonly name: string }): Connector;
  /**
   * Where a connection's credentials are sent (e.g. its login origin). Stored
   * credentials are bound to it, so a changed value cannot send them elsewhere.
   */
  credentialAudience?(config: TConfig): string;
}

/** The token every connector plugin is registered under; the registry resolves all of them. */
export const ConnectorPluginToken: InjectionToken<ConnectorPlugin> = Symbol.for(
  'accessledger.ConnectorPlugin',
);

/** Identity helper that infers `TConfig` from the schema. */
export function defineConnectorPlugin<TConfig>(plugin: ConnectorPlugin<TConfig>): ConnectorPlugin<TConfig> {
  return plugin;
}

/** Registers one plugin; called once per connector package in the app's composition root. */
export function registerConnectorPlugin<TConfig>(
  container: DependencyContainer,
  plugin: ConnectorPlugin<TConfig>,
): void {
  container.register(ConnectorPluginToken, { useValue: plugin as ConnectorPlugin });
}

/** What the registry needs to know of a connection to build its connector. */
export interface ConnectionConfig {
  readonly name: string;
  readonly connectorId: string;
  readonly config: unknown;
}

const PLUGIN_ID = /^[a-z][a-z0-9-]*$/;

/** Finds plugins registered in a container and builds connectors from connection configs. */
export class ConnectorRegistry {
  private readonly byId: ReadonlyMap<string, ConnectorPlugin>;

  constructor(private readonly container: DependencyContainer) {
    const plugins = container.isRegistered(ConnectorPluginToken, true)
      ? container.resolveAll(ConnectorPluginToken)
      : [];
    const byId = new Map<string, ConnectorPlugin>();
    for (const plugin of plugins) {
      if (!PLUGIN_ID.test(plugin.id)) {
        throw new InvalidInputError(
          `Connector plugin id "${plugin.id}" is not valid: use lowercase letters, digits and dashes, starting with a letter.`,
        );
      }
      if (byId.has(plugin.id)) {
        throw new InvalidInputError(
          `Connector plugin "${plugin.id}" is registered twice: call its register function once, in the composition root.`,
        );
      }
      byId.set(plugin.id, plugin);
    }
    this.byId = byId;
  }

  list(): readonly ConnectorPlugin[] {
    return [...this.byId.values()];
  }

  get(connectorId: string): ConnectorPlugin {
    const plugin = this.byId.get(connectorId);
    if (!plugin) {
      const known = [...this.byId.keys()].sort().join(', ') || 'none';
      throw new InvalidInputError(
        `No connector plugin "${connectorId}" is registered (known: ${known}). Check the connection's connector id.`,
      );
    }
    return plugin;
  }

  /** Validates a connection's configuration; the error lists every wrong field with its fix. */
  parseConfig(connection: ConnectionConfig): unknown {
    const plugin = this.get(connection.connectorId);
    const parsed = plugin.configSchema.safeParse(connection.config);
    if (parsed.success) return parsed.data;
    const issues: ConfigIssue[] = parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
    }));
    const lines = issues.map((issue) => `  - ${issue.path || '(config)'}: ${issue.message}`);
    throw new InvalidConfigError(
      `Connection "${connection.name}" (${plugin.id}) has an invalid configuration:\n${lines.join('\n')}`,
      issues,
    );
  }

  /** The plugin's `credentialAudience` for a connection's config, or its connector id when it has none. */
  credentialAudience(connection: ConnectionConfig): string {
    const plugin = this.get(connection.connectorId);
    const config = this.parseConfig(connection);
    return plugin.credentialAudience?.(config) ?? plugin.id;
  }

  /** Builds the connector for a connection, in a child container of its own. */
  createConnector(connection: ConnectionConfig): Connector {
    const plugin = this.get(connection.connectorId);
    const config = this.parseConfig(connection);
    const connector = plugin.create(config, this.container.createChildContainer(), {
      name: connection.name,
    });
    if (connector.manifest.id !== plugin.id) {
      throw new InvalidInputError(
        `Connector plugin "${plugin.id}" built a connector whose manifest id is "${connector.manifest.id}": they must match.`,
      );
    }
    return connector;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}
