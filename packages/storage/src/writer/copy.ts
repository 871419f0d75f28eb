import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import pgCopyStreams from 'pg-copy-streams';
import type { Engine } from '../database.js';

/**
 * Loads one batch of COPY text (UTF-8 bytes) into a table, as a statement of its own (it
 * commits by itself; no transaction is held between batches): over
 * pg-copy-streams on a pooled connection on Postgres, through PGlite's
 * `/dev/blob` device on the embedded engine (the query's `blob` option; see
 * PGlite's `_handleBlob`).
 */
export type CopyBatch = (
  knex: Knex,
  table: string,
  columns: readonly string[],
  text: Uint8Array,
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

const copyOverPg: CopyBatch = async (knex, table, columns, text) => {
  const connection: unknown = await knex.client.acquireConnection();
  try {
    if (!isPgQueryable(connection)) throw new Error('The pg engine did not hand out a pg client connection.');
    const copy = connection.query(pgCopyStreams.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([Buffer.from(text.buffer, text.byteOffset, text.byteLength)]), copy);
  } finally {
    await knex.client.releaseConnection(connection);
  }
};

const copyThroughBlob: CopyBatch = async (knex, table, columns, text) => {
  await knex
    .raw(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'`)
    .options({ blob: new Blob([text]) });
};

/**
 * COPY batches in flight while the stream is read on: at most `depth` at
 * once (each on its own connection), so that encoding the next batch overlaps
 * Postgres loading the last one and memory holds at most `depth` batches. The
 * first failure is thrown by the next `push` or by `drain`.
 */
export class CopyPipeline {
  private readonly inFlight: Promise<void>[] = [];
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly copyBatch: CopyBatch,
    private readonly depth: number,
  ) {}

  async push(table: string, columns: readonly string[], text: Uint8Array): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.length >= Math.max(1, this.depth)) await this.inFlight.shift();
    this.throwIfFailed();
    const copy = this.copyBatch(this.knex, table, columns, text).catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.inFlight.push(copy);
  }

  /** Waits for every batch in flight; throws the first failure. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.inFlight.shift();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
