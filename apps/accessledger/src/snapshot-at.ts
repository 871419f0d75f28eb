import { NotFoundError } from '@accessledger/core';
import type { Connection, Snapshot } from '@accessledger/storage';
import type { Runtime } from './runtime.js';

/** The snapshot in force at `at` (the latest taken at or before it), or the latest one. */
export async function snapshotAt(
  runtime: Runtime,
  connection: Connection,
  at: Date | undefined,
): Promise<Snapshot> {
  const snapshot = at
    ? await runtime.snapshots.snapshotAt(connection.id, at)
    : await runtime.snapshots.latestSnapshot(connection.id);
  if (!snapshot) {
    throw new NotFoundError(
      at
        ? `"${connection.name}" has no snapshot taken at or before ${at.toISOString()}: list them with \`accessledger snapshots ${connection.name}\`.`
        : `No snapshots of "${connection.name}" yet: run \`accessledger sync ${connection.name}\`.`,
    );
  }
  return snapshot;
}
