import { databaseConfigFromEnv, loadSecretBox, openDatabase } from '@accessledger/storage';
import { existsSync } from 'node:fs';
import { openConfiguredDatabase } from '../database-access.js';
import { jsonOption, printJson, type JsonFlag } from '../output.js';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { migrateAll, schemaStatus } from '../migrations.js';
import { embeddedKeyFile, secretKeySource } from '../runtime.js';

/** `accessledger db migrate | status`: the database behind DATABASE_URL, or the embedded one. */
export function registerDbCommands(program: Command, io: CliIo): void {
  const db = program
    .command('db')
    .description('Manage the database (DATABASE_URL, or embedded PGlite in .accessledger/db when unset).');

  db.command('migrate')
    .description('Apply pending schema migrations.')
    .action(async () => {
      const database = await openDatabase(databaseConfigFromEnv(io.env));
      try {
        const applied = await migrateAll(database.knex);
        const status = await schemaStatus(database.knex);
        io.stdout.write(
          applied.length === 0
            ? `Database ${database.description} is up to date at ${status.databaseVersion ?? '(empty)'}.\n`
            : `Applied ${applied.length} migration(s) to ${database.description}:\n${applied.map((name) => `  ${name}\n`).join('')}Schema is now at ${status.databaseVersion ?? '(empty)'}.\n`,
        );
      } finally {
        await database.close();
      }
    });

  jsonOption(
    db
      .command('status')
      .description(
        'Show the schema version of the database and of this code, pending migrations, and where the credential key is.',
      ),
  ).action(async (flags: JsonFlag) => {
    const config = databaseConfigFromEnv(io.env);
    const database = await openConfiguredDatabase(config, true);
    try {
      const status = await schemaStatus(database.knex);
      const keyFile =
        config.engine === 'pglite' && config.dataDir ? embeddedKeyFile(config.dataDir) : undefined;
      const key = describeKey(io.env, database.engine, keyFile);
      if (flags.json === true) {
        printJson(io, {
          database: database.description,
          schema: status.databaseVersion ?? null,
          code: status.codeVersion,
          pending: status.pending,
          key,
        });
        return;
      }
      io.stdout.write(
        `Database: ${database.description}\nSchema:   ${status.databaseVersion ?? '(empty)'}\nCode:     ${status.codeVersion}\n` +
          `Key:      ${key}\n` +
          (status.pending.length === 0
            ? 'No pending migrations.\n'
            : `Pending:  ${status.pending.join(', ')}\nRun \`accessledger db migrate\` to apply them.\n`),
      );
    } finally {
      await database.close();
    }
  });
}

/** Where the credential key is and its fingerprint; never creates a key file. */
function describeKey(
  env: Readonly<Record<string, string | undefined>>,
  engine: 'pg' | 'pglite',
  keyFile: string | undefined,
): string {
  const source = secretKeySource(env, keyFile);
  const configured = Boolean(env['ACCESSLEDGER_SECRET_KEY']?.trim());
  if (!configured && (keyFile === undefined || !existsSync(keyFile))) {
    return engine === 'pg' || keyFile === undefined
      ? 'ACCESSLEDGER_SECRET_KEY is not set (required with DATABASE_URL to store credentials)'
      : `${source} (created when the first credential is stored)`;
  }
  const box = loadSecretBox({ engine, env, ...(keyFile ? { keyFile } : {}) });
  return `${source}, fingerprint ${box.fingerprint}`;
}
