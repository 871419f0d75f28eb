import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import pgCopyStreams from 'pg-copy-streams';
import type { Engine } from '../database.js';

/**
 * Loads one batch of COPY text into a table of the current transaction: over
 * pg-copy-streams on Postgres, through PGlite's `/dev/blob` device on the
 * embedded engine (the query's `blob` option; see PGlite's `_handleBlob`).
 */
export type CopyBatch = (
  trx: Knex.Transaction,
  table: string,
  columns: readonly string[],
  text: string,
) => Promise<void>;

export function copyBatchFor(engine: Engine): CopyBatch {
  return engine === 'pg' ? copyOverPg : copyThroughBlob;
}

interface PgQueryable {
  query(stream: pgCopyStreams.CopyStreamQuery): pgCopyStreams.CopyStreamQuery;
}

function isPgQueryable(connection: unknown): connection is PgQueryable {
  return (
    typeof connection === 'object' &&
    connection !== null &&
    'query' in connection &&
    typeof connection.query === 'function'
  );
}

const copyOverPg: CopyBatch = async (trx, table, columns, text) => {
  // Inside a transaction knex hands out the transaction's own connection.
  const connection: unknown = await trx.client.acquireConnection();
  if (!isPgQueryable(connection)) throw new Error('The pg engine did not hand out a pg client connection.');
  const copy = connection.query(pgCopyStreams.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([Buffer.from(text, 'utf8')]), copy);
};

const copyThroughBlob: CopyBatch = async (trx, table, columns, text) => {
  await trx.raw(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`).options({ blob: new Blob([text]) });
};
