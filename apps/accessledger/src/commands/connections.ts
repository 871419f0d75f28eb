import { InvalidInputError, type JsonObject } from '@accessledger/core';
import { ConnectionStore, type ConnectionSchedule } from '@accessledger/storage';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliExit, type CliIo } from '../cli.js';
import { isoMinute, table } from '../format.js';
import { assertValidSchedule } from '../daemon/daemon.js';
import { openRuntime } from '../runtime.js';
import { createRunContext } from '@accessledger/core';

/**
 * A secret on the command line is named, never given: `name=env:VAR` reads an
 * environment variable, `name=@path` a file. A literal value would end up in
 * shell history and process listings.
 */
export function readSecretSpec(
  spec: string,
  env: Readonly<Record<string, string | undefined>>,
): [string, string] {
  const match = /^([A-Za-z][A-Za-z0-9_]*)=(env:|@)(.+)$/.exec(spec);
  if (!match) {
    // Only a well-formed name before "=" is repeated: anything else may be the secret itself.
    const name = /^([A-Za-z][A-Za-z0-9_]*)=/.exec(spec)?.[1];
    throw new InvalidInputError(
      `--secret ${name ? `"${name}=…"` : '(value not shown)'} must be name=env:VARIABLE or name=@file, e.g. clientSecret=env:SF_CLIENT_SECRET or privateKey=@server.key. A secret is never taken literally: it would stay in shell history and process listings.`,
    );
  }
  const [, name, kind, source] = match as unknown as [string, string, string, string];
  if (kind === 'env:') {
    const value = env[source];
    if (!value)
      throw new InvalidInputError(`--secret ${name}: environment variable ${source} is not set or empty.`);
    return [name, value];
  }
  try {
    return [name, readFileSync(source, 'utf8').trim()];
  } catch (error) {
    throw new InvalidInputError(`--secret ${name}: cannot read ${source}: ${(error as Error).message}`);
  }
}

function parseConfig(text: string | undefined, file: string | undefined): JsonObject {
  if (text !== undefined && file !== undefined)
    throw new InvalidInputError('Give --config or --config-file, not both.');
  const source = file !== undefined ? readFileSync(file, 'utf8') : (text ?? '{}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    throw new InvalidInputError(`The connection config is not JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError(
      'The connection config must be a JSON object, e.g. {"domain": "acme.my.salesforce.com", ...}.',
    );
  }
  return parsed as JsonObject;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerConnectionCommands(program: Command, io: CliIo): void {
  const connections = program
    .command('connections')
    .description('Configure the applications accessledger connects to.');

  connections
    .command('add <name>')
    .description('Add a connection; its config is checked against the connector before anything is stored.')
    .requiredOption('--connector <id>', 'connector plugin id, e.g. salesforce')
    .option('--config <json>', 'non-secret configuration as JSON')
    .option('--config-file <path>', 'non-secret configuration from a JSON file')
    .option('--secret <name=env:VAR|name=@file>', 'a credential, repeatable', collect, [])
    .option('--sync-schedule <cron>', 'cron expression for background syncs, e.g. "0 */6 * * *"')
    .action(
      async (
        name: string,
        options: {
          connector: string;
          config?: string;
          configFile?: string;
          secret: string[];
          syncSchedule?: string;
        },
      ) => {
        const config = parseConfig(options.config, options.configFile);
        if (options.syncSchedule) assertValidSchedule(name, options.syncSchedule);
        const secrets = options.secret.map((spec) => readSecretSpec(spec, io.env));
        const runtime = await openRuntime({ env: io.env, migrate: true });
        try {
          runtime.registry.parseConfig({ name, connectorId: options.connector, config });
          const schedule: ConnectionSchedule | null = options.syncSchedule
            ? { sync: options.syncSchedule }
            : null;
          // The connection and its credentials are stored together or not at all.
          const connection = await runtime.database.knex.transaction(async (trx) => {
            const created = await new ConnectionStore(trx).create({
              connectorId: options.connector,
              name,
              config,
              schedule,
            });
            const credentials = runtime.credentialsOf(created, trx);
            for (const [secretName, value] of secrets) await credentials.set(secretName, value);
            return created;
          });
          io.stdout.write(
            `Added connection "${connection.name}" (${connection.connectorId}, id ${connection.id})` +
              (secrets.length
                ? ` with credentials ${secrets.map(([secretName]) => secretName).join(', ')}`
                : '') +
              '.\n',
          );
        } finally {
          await runtime.close();
        }
      },
    );

  connections
    .command('list')
    .description('List connections with their latest snapshot.')
    .action(async () => {
      const runtime = await openRuntime({ env: io.env });
      try {
        const rows = [];
        for (const connection of await runtime.connections.list()) {
          const latest = await runtime.snapshots.latestSnapshot(connection.id);
          rows.push([
            connection.name,
            connection.connectorId,
            connection.schedule?.sync ?? '',
            latest ? `#${latest.id} ${isoMinute(latest.takenAt)}` : 'never synced',
          ]);
        }
        io.stdout.write(
          rows.length
            ? table(['NAME', 'CONNECTOR', 'SYNC SCHEDULE', 'LATEST SNAPSHOT'], rows)
            : 'No connections yet.\n',
        );
      } finally {
        await runtime.close();
      }
    });

  connections
    .command('schedule <name> <cron>')
    .description('Set when the daemon syncs a connection (a cron expression), or "none" to stop.')
    .action(async (name: string, cron: string) => {
      const runtime = await openRuntime({ env: io.env });
      try {
        const connection = await runtime.connectionNamed(name);
        if (cron !== 'none') assertValidSchedule(name, cron);
        const schedule = cron === 'none' ? null : { ...connection.schedule, sync: cron };
        await runtime.connections.update(connection.id, { schedule });
        io.stdout.write(
          schedule
            ? `"${name}" syncs on "${cron}" while the daemon runs.\n`
            : `"${name}" is no longer scheduled.\n`,
        );
      } finally {
        await runtime.close();
      }
    });

  connections
    .command('remove <name>')
    .description('Remove a connection, its credentials and its whole history.')
    .requiredOption('--yes', 'confirm that the history goes too')
    .action(async (name: string) => {
      const runtime = await openRuntime({ env: io.env });
      try {
        const connection = await runtime.connectionNamed(name);
        await runtime.connections.delete(connection.id);
        io.stdout.write(`Removed connection "${name}" and its history.\n`);
      } finally {
        await runtime.close();
      }
    });

  connections
    .command('validate <name>')
    .description("Check a connection's credentials, permissions and API budget without changing anything.")
    .action(async (name: string) => {
      const runtime = await openRuntime({ env: io.env });
      try {
        const connection = await runtime.connectionNamed(name);
        const connector = runtime.connectorOf(connection);
        const report = await connector.validate(
          createRunContext({ credentials: runtime.credentialsOf(connection), logger: runtime.logger }),
        );
        for (const check of report.checks) {
          io.stdout.write(
            `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.message}${!check.ok && check.fix ? `\n     fix: ${check.fix}` : ''}\n`,
          );
        }
        const identity = Object.entries(report.identity)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ');
        io.stdout.write(
          `${report.ok ? 'Connection is ready' : 'Connection is NOT ready'}${identity ? ` (${identity})` : ''}.\n`,
        );
        if (!report.ok) throw new CliExit(1);
      } finally {
        await runtime.close();
      }
    });
}
