import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DATA_DIR,
  databaseConfigFromEnv,
  openDatabase,
  redactDatabaseUrls,
  redactUrl,
} from './database.js';

describe('databaseConfigFromEnv', () => {
  it('uses Postgres when DATABASE_URL is set', () => {
    expect(databaseConfigFromEnv({ DATABASE_URL: 'postgres://u@db:5432/app' }, '/srv')).toEqual({
      engine: 'pg',
      url: 'postgres://u@db:5432/app',
    });
  });

  it('uses the embedded engine in .accessledger/db under the working directory otherwise', () => {
    expect(databaseConfigFromEnv({}, '/home/me/project')).toEqual({
      engine: 'pglite',
      dataDir: path.join('/home/me/project', DEFAULT_DATA_DIR),
    });
    expect(databaseConfigFromEnv({ DATABASE_URL: '  ', ACCESSLEDGER_DATA_DIR: '/var/lib/al' }, '/x')).toEqual(
      {
        engine: 'pglite',
        dataDir: '/var/lib/al',
      },
    );
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://admin:hunter2@db.internal:5432/ledger')).toBe(
      'postgres://admin:***@db.internal:5432/ledger',
    );
  });

  it('hides passwords given as query parameters (libpq password, sslpassword)', () => {
    const redacted = redactUrl(
      'postgres://admin@db:5432/ledger?sslmode=require&password=hunter2&sslpassword=s3cr3t',
    );
    expect(redacted).toBe('postgres://admin@db:5432/ledger?sslmode=require&password=***&sslpassword=***');
    expect(redacted).not.toMatch(/hunter2|s3cr3t/);
  });

  it('redacts every database URL inside a message', () => {
    expect(
      redactDatabaseUrls(
        'connect to postgresql://u:pw1@a/b failed; fallback postgres://h/c?password=pw2 also failed',
      ),
    ).toBe('connect to postgresql://u:***@a/b failed; fallback postgres://h/c?password=*** also failed');
  });

  it('explains a malformed DATABASE_URL', () => {
    expect(() => redactUrl('not a url')).toThrow(/DATABASE_URL is not a valid URL/);
  });
});

describe('openDatabase', () => {
  it('reports an unreachable Postgres without its password and with what to do', async () => {
    const attempt = openDatabase({ engine: 'pg', url: 'postgres://admin:hunter2@127.0.0.1:1/ledger' });
    await expect(attempt).rejects.toThrow(
      /Could not reach the database at postgres:\/\/admin:\*\*\*@127\.0\.0\.1:1\/ledger/,
    );
    await expect(attempt).rejects.toThrow(/unset DATABASE_URL to use the embedded database/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
  });
});
