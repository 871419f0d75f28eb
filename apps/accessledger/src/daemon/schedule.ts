import { assertValidJob } from '@accessledger/scheduler';
import type { Connection } from '@accessledger/storage';

/** What a daemon runs per connection, each on its own schedule (`ConnectionSchedule`). */
export const JOB_KINDS = ['sync', 'activity'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export function jobName(connection: Pick<Connection, 'name'>, kind: JobKind = 'sync'): string {
  return `${kind}:${connection.name}`;
}

/** Refuses a sync schedule the scheduler would refuse, before it is stored. */
export function assertValidSchedule(connectionName: string, cron: string): void {
  assertValidJob({ name: jobName({ name: connectionName }), cron, run: async () => undefined });
}
