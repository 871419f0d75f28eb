/**
 * The number of rows a `delete()` touched. knex-pglite 0.14 reports a delete's
 * command as "DEL", which knex's Postgres dialect does not map to a count, so
 * on the embedded engine knex returns the whole result instead of a number.
 */
export function affectedRows(result: unknown): number {
  if (typeof result === 'number') return result;
  if (
    typeof result === 'object' &&
    result !== null &&
    'rowCount' in result &&
    typeof result.rowCount === 'number'
  ) {
    return result.rowCount;
  }
  throw new Error(`Cannot read an affected-row count from ${JSON.stringify(result)}.`);
}
