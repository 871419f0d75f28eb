import { InvalidInputError } from '@accessledger/core';
import { databaseConfigFromEnv, type Database } from '@accessledger/storage';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { openConfiguredDatabase } from '../database-access.js';
import { table } from '../format.js';
import { oneOf } from '../options.js';
import { printJson } from '../output.js';

type Format = 'table' | 'csv' | 'json';
const FORMATS: readonly Format[] = ['table', 'csv', 'json'];

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

interface RawConnection {
  query(
    query: string | { readonly text: string; readonly queryMode: 'extended' },
  ): Promise<{ rows: Record<string, unknown>[]; fields?: readonly { readonly name: string }[] }>;
}

interface PooledClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * Runs one statement in a read-only transaction that is rolled back. The
 * statement goes through the extended query protocol (both engines), which
 * takes exactly one statement: `…; COMMIT; DELETE …` cannot leave the
 * read-only transaction.
 */
export async function readOnlyQuery(database: Database, sql: string): Promise<QueryResult> {
  const client = database.knex.client as PooledClient;
  const connection = (await client.acquireConnection()) as RawConnection;
  try {
    await connection.query('BEGIN READ ONLY');
    try {
      const result =
        database.engine === 'pg'
          ? await connection.query({ text: sql, queryMode: 'extended' })
          : await connection.query(sql);
      const columns = result.fields?.map((field) => field.name) ?? Object.keys(result.rows[0] ?? {});
      return { columns, rows: result.rows };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const hint = /multiple commands|cannot insert multiple/i.test(message)
        ? ' `accessledger sql` runs one statement: run them one at a time.'
        : /read-only transaction/i.test(message)
          ? ' `accessledger sql` only reads; change data through the commands that own it.'
          : '';
      throw new InvalidInputError(`The query failed: ${message}.${hint}`, {}, { cause: error });
    } finally {
      await connection.query('ROLLBACK');
    }
  } finally {
    await client.releaseConnection(connection);
  }
}

/** A value as JSON has it: dates as ISO strings, 64-bit integers as numbers when they fit. */
function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonValue(inner)]));
  return value;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  const json = jsonValue(value);
  return typeof json === 'string' ? json : typeof json === 'object' ? JSON.stringify(json) : String(json);
}

/** RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatResult(result: QueryResult, format: Format): string {
  const cells = result.rows.map((row) => result.columns.map((column) => cellText(row[column])));
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        result.rows.map((row) =>
          Object.fromEntries(result.columns.map((column) => [column, jsonValue(row[column] ?? null)])),
        ),
        null,
        2,
      )}\n`;
    case 'csv':
      return [result.columns, ...cells].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
    case 'table':
      return `${table(result.columns, cells)}(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`;
  }
}

/** `accessledger sql "<query>"`: one read-only query on whichever engine is configured. */
export function registerSqlCommand(program: Command, io: CliIo): void {
  program
    .command('sql <query>')
    .description(
      'Run one read-only SQL query on the configured database (views and functions: docs/sql-cookbook.md).',
    )
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, oneOf(FORMATS), 'table' as Format)
    .option('--json', 'the same as --format json')
    .action(async (query: string, flags: { format: Format; json?: boolean }) => {
      const database = await openConfiguredDatabase(databaseConfigFromEnv(io.env), true);
      try {
        const result = await readOnlyQuery(database, query);
        if (flags.json === true) printJson(io, JSON.parse(formatResult(result, 'json')));
        else io.stdout.write(formatResult(result, flags.format));
      } finally {
        await database.close();
      }
    });
}
