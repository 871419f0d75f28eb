/**
 * Table names of the scheduler schema. Migrations import these; a rename is a
 * new migration, never an edit here alone.
 */
export const SchedulerTables = {
  leases: 'scheduler_leases',
} as const;

/** The table holding one lease row per job (see PostgresRunCoordinator). */
export const SCHEDULER_LEASES_TABLE = SchedulerTables.leases;
