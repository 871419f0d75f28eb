import { databaseConfigFromEnv, openDatabase } from '@accessledger/storage';
import { openConfiguredDatabase } from '../database-access.js';
import { jsonOption, printJson, type JsonFlag } from '../output.js';
import type { Command } from 'commander';
import type { CliIo } from '../cli.js';
import { migrateAll, schemaStatus } from '../migrations.js';

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
      .description('Show the schema version of the database and of this code, and pending migrations.'),
  ).action(async (flags: JsonFlag) => {
    const database = await openConfiguredDatabase(databaseConfigFromEnv(io.env), true);
    try {
      const status = await schemaStatus(database.knex);
      if (flags.json === true) {
        printJson(io, {
          database: database.description,
          schema: status.databaseVersion ?? null,
          code: status.codeVersion,
          pending: status.pending,
        });
        return;
      }
      io.stdout.write(
        `Database: ${database.description}\nSchema:   ${status.databaseVersion ?? '(empty)'}\nCode:     ${status.codeVersion}\n` +
          (status.pending.length === 0
            ? 'No pending migrations.\n'
            : `Pending:  ${status.pending.join(', ')}\nRun \`accessledger db migrate\` to apply them.\n`),
      );
    } finally {
      await database.close();
    }
  });
}
