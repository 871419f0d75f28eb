/**
 * @accessledger/scheduler: a generic cron scheduler. It knows jobs
 * `{ name, cron, run(signal) }` and nothing of connectors; a RunCoordinator
 * (in process, or Postgres leases) makes each fire run once across replicas.
 */
export * from './job.js';
export type * from './events.js';
export * from './coordinator.js';
export * from './postgres-coordinator.js';
export * from './scheduler.js';
export { backoffDelayMs, shouldRetry, realSleep } from './retry.js';
export type { Sleep } from './retry.js';
export * from './tables.js';
export * from './migrations/index.js';
