import { randomUUID } from 'node:crypto';
import { InvalidConfigError, InvalidInputError, NotFoundError } from '@accessledger/core';
import { createTask } from 'node-cron';
import type { Logger, ScheduledTask, TaskContext } from 'node-cron';
import { InProcessRunCoordinator } from './coordinator.js';
import type { RunCoordinator } from './coordinator.js';
import { SchedulerObservers } from './events.js';
import type { RunAborted, RunReport, RunSkipped, SchedulerEventName, SchedulerListener } from './events.js';
import { assertValidJob, isKnownTimezone } from './job.js';
import type { Job } from './job.js';
import { realSleep } from './retry.js';
import type { Sleep } from './retry.js';
import { ActiveRun } from './run.js';
import type { RunEnvironment } from './run.js';

export interface SchedulerOptions {
  /** Who may run a fire. Defaults to an `InProcessRunCoordinator` (one process, no database). */
  readonly coordinator?: RunCoordinator;
  /** How long a claimed lease lasts without renewal. Default 60 000 ms. */
  readonly leaseMs?: number;
  /** How often a running job renews its lease. Default a third of `leaseMs`. */
  readonly heartbeatMs?: number;
  /** Zone for jobs that name none, e.g. `UTC`. Defaults to the process's zone. */
  readonly timezone?: string;
  /** The backoff wait; injectable so tests need not wait. */
  readonly sleep?: Sleep;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  readonly random?: () => number;
}

export interface StopOptions {
  /** How long to wait for aborted runs to settle before reporting them abandoned. Default 30 000 ms. */
  readonly graceMs?: number;
}

export interface StopReport {
  /** Runs that were in flight when `stop` was called. */
  readonly inFlight: number;
  /** Runs that had not settled when the grace period ended (reported `aborted` with `settled: false`). */
  readonly abandoned: readonly RunAborted[];
}

interface ScheduledJob {
  readonly job: Job;
  readonly task: ScheduledTask;
  current: ActiveRun | undefined;
}

type SchedulerState = 'created' | 'started' | 'stopping' | 'stopped';

/** node-cron logs overlaps and missed fires to the console; the scheduler reports them as events instead. */
const quietLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/**
 * Runs jobs on cron schedules: never two runs of one job at once in a process,
 * each fire at most once across replicas (through the `RunCoordinator`),
 * retries with backoff, and a clean stop.
 *
 * @example
 * const scheduler = new Scheduler({ coordinator: new PostgresRunCoordinator(knex) });
 * scheduler.on('failed', (run) => metrics.failures.inc({ job: run.jobName, code: run.error.code }));
 * scheduler.add({ name: 'sync:acme', cron: '0 0 * * * *', run: (signal) => sync('acme', signal) });
 * scheduler.start();
 * process.once('SIGTERM', () => void scheduler.stop({ graceMs: 20_000 }));
 */
export class Scheduler {
  private readonly jobsByName = new Map<string, ScheduledJob>();
  private readonly observers = new SchedulerObservers();
  private readonly env: RunEnvironment;
  private readonly timezone: string | undefined;
  private readonly inFlight = new Set<ActiveRun>();
  private state: SchedulerState = 'created';

  constructor(options: SchedulerOptions = {}) {
    const leaseMs = options.leaseMs ?? 60_000;
    const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3));
    if (!Number.isInteger(leaseMs) || leaseMs < 1) {
      throw new InvalidConfigError(
        `Scheduler leaseMs must be a positive whole number (got ${String(leaseMs)}).`,
        [{ path: 'leaseMs', message: 'must be a positive whole number of milliseconds' }],
      );
    }
    if (!Number.isInteger(heartbeatMs) || heartbeatMs < 1 || heartbeatMs >= leaseMs) {
      throw new InvalidConfigError(
        `Scheduler heartbeatMs must be a positive whole number below leaseMs (${leaseMs}), got ${String(heartbeatMs)}: ` +
          'a lease must be renewed before it expires.',
        [{ path: 'heartbeatMs', message: 'must be below leaseMs' }],
      );
    }
    if (options.timezone !== undefined && !isKnownTimezone(options.timezone)) {
      throw new InvalidConfigError(
        `Scheduler timezone "${options.timezone}" is unknown. Use an IANA name such as "UTC" or "Europe/Berlin".`,
        [{ path: 'timezone', message: 'unknown IANA timezone' }],
      );
    }
    this.timezone = options.timezone;
    this.env = {
      coordinator: options.coordinator ?? new InProcessRunCoordinator(),
      observers: this.observers,
      leaseMs,
      heartbeatMs,
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
    };
  }

  /** Subscribes to run events; returns the unsubscribe function. */
  on<E extends SchedulerEventName>(event: E, listener: SchedulerListener<E>): () => void {
    return this.observers.on(event, listener);
  }

  /** Adds a job; it fires from `start()` on (at once if the scheduler is already started). */
  add(job: Job): void {
    this.assertOpen('add a job');
    assertValidJob(job);
    if (this.jobsByName.has(job.name)) {
      throw new InvalidInputError(
        `A job named "${job.name}" is already scheduled. Job names key the lease, so they must be unique: remove it first or pick another name.`,
      );
    }
    const timezone = job.timezone ?? this.timezone;
    const task = createTask(job.cron, (context: TaskContext) => this.fire(job.name, context.date), {
      name: job.name,
      noOverlap: true,
      logger: quietLogger,
      ...(timezone !== undefined ? { timezone } : {}),
    });
    task.on('execution:overlap', (context) => {
      this.reportSkipped(job.name, context.date, 'overlap');
    });
    task.on('execution:missed', (context) => {
      this.reportSkipped(job.name, context.date, 'missed');
    });
    this.jobsByName.set(job.name, { job, task, current: undefined });
    if (this.state === 'started') void task.start();
  }

  /** Removes a job: no further fires, and its run in flight (if any) is aborted. Returns whether it existed. */
  remove(name: string): boolean {
    const entry = this.jobsByName.get(name);
    if (!entry) return false;
    this.jobsByName.delete(name);
    void entry.task.destroy();
    entry.current?.abort('removed');
    return true;
  }

  /** Names of the scheduled jobs. */
  jobNames(): readonly string[] {
    return [...this.jobsByName.keys()];
  }

  /** When the job fires next, or null when the scheduler is not started. */
  nextFire(name: string): Date | null {
    const entry = this.entry(name);
    return this.state === 'started' ? entry.task.getNextRun() : null;
  }

  start(): void {
    this.assertOpen('start');
    if (this.state === 'started') return;
    this.state = 'started';
    for (const entry of this.jobsByName.values()) void entry.task.start();
  }

  /**
   * Runs a job at once, outside its schedule (the CLI's "sync now"). Goes
   * through the coordinator like a fire, so it is skipped while the job runs
   * here (`overlap`) or on another replica (`lease-held`). Resolves with the
   * run's report; never rejects for a failed run.
   */
  async runNow(name: string): Promise<RunReport> {
    this.assertOpen('run a job');
    const entry = this.entry(name);
    return this.launch(entry, 'manual', new Date());
  }

  /**
   * Stops new fires at once, aborts runs in flight through their signal, waits
   * up to `graceMs` for them to settle and reports each as `aborted`. Runs that
   * ignore their signal are abandoned: reported `aborted` with `settled: false`.
   * Leases of settled runs are released; those of abandoned runs expire.
   */
  async stop(options: StopOptions = {}): Promise<StopReport> {
    const graceMs = options.graceMs ?? 30_000;
    if (this.state === 'stopped' || this.state === 'stopping') return { inFlight: 0, abandoned: [] };
    this.state = 'stopping';
    for (const entry of this.jobsByName.values()) void entry.task.destroy();
    const runs = [...this.inFlight];
    for (const run of runs) run.abort('shutdown');
    const settled = new Set<ActiveRun>();
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(runs.map((run) => run.done.then(() => settled.add(run)))),
      new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(graceTimer);
    const abandoned = runs.filter((run) => !settled.has(run)).map((run) => run.abandon());
    this.state = 'stopped';
    return { inFlight: runs.length, abandoned };
  }

  private fire(name: string, fireAt: Date): Promise<RunReport> | undefined {
    const entry = this.jobsByName.get(name);
    if (!entry || this.state !== 'started') return undefined;
    return this.launch(entry, 'scheduled', fireAt);
  }

  private launch(entry: ScheduledJob, trigger: 'scheduled' | 'manual', fireAt: Date): Promise<RunReport> {
    if (entry.current) {
      return Promise.resolve(this.reportSkipped(entry.job.name, fireAt, 'overlap', trigger));
    }
    const run = new ActiveRun(entry.job, trigger, fireAt, this.env);
    entry.current = run;
    this.inFlight.add(run);
    return run.done.finally(() => {
      if (entry.current === run) entry.current = undefined;
      this.inFlight.delete(run);
    });
  }

  private reportSkipped(
    jobName: string,
    fireAt: Date,
    reason: 'overlap' | 'missed',
    trigger: 'scheduled' | 'manual' = 'scheduled',
  ): RunSkipped {
    const report: RunSkipped = { runId: randomUUID(), jobName, trigger, fireAt, status: 'skipped', reason };
    this.observers.emit('skipped', report);
    return report;
  }

  private entry(name: string): ScheduledJob {
    const entry = this.jobsByName.get(name);
    if (!entry) {
      const known = this.jobNames();
      throw new NotFoundError(
        `No job named "${name}" is scheduled. ${known.length > 0 ? `Known jobs: ${known.join(', ')}.` : 'No jobs are scheduled yet; add one first.'}`,
      );
    }
    return entry;
  }

  private assertOpen(action: string): void {
    if (this.state === 'stopping' || this.state === 'stopped') {
      throw new InvalidInputError(
        `Cannot ${action}: the scheduler has been stopped. Create a new Scheduler instead.`,
      );
    }
  }
}
