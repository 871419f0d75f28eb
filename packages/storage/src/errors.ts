import { AccessLedgerError, ErrorCodes } from '@accessledger/core';

/**
 * The database has been migrated by a newer accessledger than this one. Running
 * on would read or write a schema this code does not know, so the app stops.
 */
export class SchemaTooNewError extends AccessLedgerError {
  readonly code = ErrorCodes.invalidConfig;
  readonly retryable = false;
  /** The newest migration applied to the database. */
  readonly databaseVersion: string;
  /** The newest migration this code knows. */
  readonly codeVersion: string;

  constructor(databaseVersion: string, codeVersion: string, unknownMigrations: readonly string[]) {
    super(
      `The database schema is at version ${databaseVersion}, newer than this accessledger knows ` +
        `(${codeVersion}); unknown migrations: ${unknownMigrations.join(', ')}. ` +
        `Upgrade accessledger to the release that applied them, or point DATABASE_URL (or the embedded ` +
        `data folder) at a database this version created. Do not roll the database back by hand.`,
      { hint: 'Upgrade accessledger.' },
    );
    this.databaseVersion = databaseVersion;
    this.codeVersion = codeVersion;
  }
}
