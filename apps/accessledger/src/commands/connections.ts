import { InvalidInputError, isCredentialRevoker, type JsonObject } from '@accessledger/core';
import {
  ConnectionStore,
  type Connection,
  type ConnectionSchedule,
  type Snapshot,
} from '@accessledger/storage';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliExit, type CliIo } from '../cli-io.js';
import { ExitCodes } from '../exit-codes.js';
import { jsonOption, output, snapshotJson, type JsonFlag } from '../output.js';
import { formatValidationReport, isoMinute, table } from '../format.js';
import { assertValidSchedule } from '../daemon/schedule.js';
import { openRuntime, type Runtime } from '../runtime.js';
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

  jsonOption(connections.command('list').description('List connections with their latest snapshot.')).action(
    async (flags: JsonFlag) => {
      const runtime = await openRuntime({ env: io.env, readOnly: true });
      try {
        const listed: { connection: Connection; latest: Snapshot | undefined }[] = [];
        for (const connection of await runtime.connections.list()) {
          listed.push({ connection, latest: await runtime.snapshots.latestSnapshot(connection.id) });
        }
        output(
          io,
          flags,
          () => ({
            connections: listed.map(({ connection, latest }) => ({
              id: connection.id,
              name: connection.name,
              connector: connection.connectorId,
              schedule: {
                sync: connection.schedule?.sync ?? null,
                activity: connection.schedule?.activity ?? null,
              },
              latestSnapshot: latest ? snapshotJson(latest) : null,
            })),
          }),
          () =>
            listed.length
              ? table(
                  ['NAME', 'CONNECTOR', 'SYNC SCHEDULE', 'LATEST SNAPSHOT'],
                  listed.map(({ connection, latest }) => [
                    connection.name,
                    connection.connectorId,
                    connection.schedule?.sync ?? '',
                    latest ? `#${latest.id} ${isoMinute(latest.takenAt)}` : 'never synced',
                  ]),
                )
              : 'No connections yet.\n',
        );
      } finally {
        await runtime.close();
      }
    },
  );

  connections
    .command('schedule <name> <cron>')
    .description(
      'Set when the daemon syncs a connection (a cron expression), or "none" to stop; --activity for its activity runs.',
    )
    .option('--activity', 'set the activity schedule (last logins only, between full syncs) instead')
    .action(async (name: string, cron: string, flags: { activity?: boolean }) => {
      const runtime = await openRuntime({ env: io.env });
      try {
        const connection = await runtime.connectionNamed(name);
        const kind = flags.activity === true ? 'activity' : 'sync';
        if (cron !== 'none') assertValidSchedule(name, cron);
        const rest = { ...connection.schedule };
        delete rest[kind];
        const schedule =
          cron === 'none' ? (Object.keys(rest).length > 0 ? rest : null) : { ...rest, [kind]: cron };
        await runtime.connections.update(connection.id, { schedule });
        io.stdout.write(
          cron !== 'none'
            ? `"${name}" ${kind === 'sync' ? 'syncs' : 'records activity'} on "${cron}" while the daemon runs.\n`
            : `"${name}" has no ${kind} schedule any more.\n`,
        );
      } finally {
        await runtime.close();
      }
    });

  connections
    .command('remove <name>')
    .description(
      'Remove a connection, its credentials and its whole history; its refresh token is revoked at the application first.',
    )
    .requiredOption('--yes', 'confirm that the history goes too')
    .action(async (name: string) => {
      const runtime = await openRuntime({ env: io.env });
      try {
        const connection = await runtime.connectionNamed(name);
        await revokeBeforeRemoving(io, runtime, connection);
        await runtime.connections.delete(connection.id);
        io.stdout.write(`Removed connection "${name}" and its history.\n`);
      } finally {
        await runtime.close();
      }
    });

  connections
    .command('update <name>')
    .description(
      "Replace a connection's config (checked against its connector first) and/or some of its credentials; its history stays.",
    )
    .option('--config <json>', 'the new non-secret configuration as JSON (replaces the old one)')
    .option('--config-file <path>', 'the new non-secret configuration from a JSON file')
    .option('--secret <name=env:VAR|name=@file>', 'a credential to store or replace, repeatable', collect, [])
    .action(async (name: string, options: { config?: string; configFile?: string; secret: string[] }) => {
      const replacesConfig = options.config !== undefined || options.configFile !== undefined;
      if (!replacesConfig && options.secret.length === 0) {
        throw new InvalidInputError(
          `Nothing to update: give --config, --config-file and/or --secret, e.g. \`accessledger connections update ${name} --secret clientSecret=env:SF_CLIENT_SECRET\`.`,
        );
      }
      const config = replacesConfig ? parseConfig(options.config, options.configFile) : undefined;
      const secrets = options.secret.map((spec) => readSecretSpec(spec, io.env));
      const runtime = await openRuntime({ env: io.env, migrate: true });
      try {
        const connection = await runtime.connectionNamed(name);
        if (config !== undefined) {
          runtime.registry.parseConfig({ name, connectorId: connection.connectorId, config });
          await refuseUnmovedCredentials(runtime, connection, config, secrets);
        }
        // Config and credentials change together or not at all; the connection keeps its id and history.
        await runtime.database.knex.transaction(async (trx) => {
          const updated =
            config !== undefined
              ? await new ConnectionStore(trx).update(connection.id, { config })
              : connection;
          const credentials = runtime.credentialsOf(updated, trx);
          for (const [secretName, value] of secrets) await credentials.set(secretName, value);
        });
        const changed = [
          ...(config !== undefined ? ['config'] : []),
          ...secrets.map(([secretName]) => `credential ${secretName}`),
        ];
        io.stdout.write(`Updated "${name}": ${changed.join(', ')}. Its history is kept.\n`);
      } finally {
        await runtime.close();
      }
    });

  jsonOption(
    connections
      .command('show <name>')
      .description(
        'Show a connection: config, which credentials are stored (never their values), key, schedule, last run.',
      ),
  ).action(async (name: string, flags: JsonFlag) => {
    const runtime = await openRuntime({ env: io.env, readOnly: true });
    try {
      const connection = await runtime.connectionNamed(name);
      const names = await runtime.credentialsOf(connection).names();
      const key = names.length > 0 ? runtime.secretKey() : undefined;
      const [lastRun] = await runtime.runs.list(connection.id, { limit: 1 });
      const schedule = Object.entries(connection.schedule ?? {})
        .map(([job, cron]) => `${job} "${String(cron)}"`)
        .join(', ');
      output(
        io,
        flags,
        () => ({
          name: connection.name,
          id: connection.id,
          connector: connection.connectorId,
          config: connection.config,
          credentials: names,
          key: key ?? null,
          schedule: connection.schedule ?? {},
          lastRun: lastRun
            ? {
                id: lastRun.id,
                kind: lastRun.kind,
                status: lastRun.status,
                startedAt: lastRun.startedAt.toISOString(),
                error: lastRun.error ?? null,
              }
            : null,
        }),
        () =>
          `Connection "${connection.name}" (${connection.connectorId}, id ${connection.id})\n` +
          `  config:       ${JSON.stringify(connection.config)}\n` +
          `  credentials:  ${names.length > 0 ? names.join(', ') : 'none'}\n` +
          (key ? `  key:          fingerprint ${key.fingerprint} (${key.source})\n` : '') +
          `  schedule:     ${schedule || 'not scheduled'}\n` +
          `  last run:     ${
            lastRun
              ? `#${lastRun.id} ${lastRun.kind} ${lastRun.status} ${isoMinute(lastRun.startedAt)}` +
                (lastRun.error ? ` (${lastRun.error.code}: ${lastRun.error.message})` : '')
              : 'never'
          }\n`,
      );
    } finally {
      await runtime.close();
    }
  });

  jsonOption(
    connections
      .command('validate <name>')
      .description("Check a connection's credentials, permissions and API budget without changing anything."),
  ).action(async (name: string, flags: JsonFlag) => {
    const runtime = await openRuntime({ env: io.env });
    try {
      const connection = await runtime.connectionNamed(name);
      const connector = runtime.connectorOf(connection);
      const report = await connector.validate(
        createRunContext({ credentials: runtime.credentialsOf(connection), logger: runtime.logger }),
      );
      output(
        io,
        flags,
        () => ({ connection: name, ready: report.ok, checks: report.checks, identity: report.identity }),
        () => formatValidationReport(report),
      );
      if (!report.ok) throw new CliExit(ExitCodes.invalid);
    } finally {
      await runtime.close();
    }
  });
}

/**
 * Revokes what the connection holds at the application (a Salesforce refresh token) before its copy is
 * deleted; says so when that failed, because the token then still works there until revoked by hand.
 */
async function revokeBeforeRemoving(io: CliIo, runtime: Runtime, connection: Connection): Promise<void> {
  try {
    const connector = runtime.connectorOf(connection);
    if (!isCredentialRevoker(connector)) return;
    const revoked = await connector.revokeCredentials(
      createRunContext({ credentials: runtime.credentialsOf(connection), logger: runtime.logger }),
    );
    if (revoked !== undefined)
      io.stdout.write(`Revoked ${revoked} of "${connection.name}" at the application.\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `Warning: revoking the credentials of "${connection.name}" at the application failed (${reason}). ` +
        'They may still work there: revoke them by hand (Salesforce: Setup > Connected Apps OAuth Usage > the app > Revoke).\n',
    );
  }
}

/**
 * Stored credentials are bound to the host they are sent to (the connector's
 * credential audience, e.g. the login domain): a config that points the
 * connection elsewhere does not carry them along. Every stored credential has
 * to be given again for the new host, or the change is refused before
 * anything is written.
 */
async function refuseUnmovedCredentials(
  runtime: Runtime,
  connection: Connection,
  config: JsonObject,
  secrets: readonly (readonly [string, string])[],
): Promise<void> {
  const before = runtime.registry.credentialAudience(connection);
  const after = runtime.registry.credentialAudience({ ...connection, config });
  if (before === after) return;
  const given = new Set(secrets.map(([secretName]) => secretName));
  const missing = (await runtime.credentialsOf(connection).names()).filter((stored) => !given.has(stored));
  if (missing.length === 0) return;
  throw new InvalidInputError(
    `The new config sends "${connection.name}"'s credentials to ${after} instead of ${before}. Stored credentials are ` +
      `bound to ${before} and never move to another host: give them again for the new one ` +
      `in the same command (${missing.map((secretName) => `--secret ${secretName}=env:VARIABLE`).join(' ')}). Nothing was changed.`,
  );
}
