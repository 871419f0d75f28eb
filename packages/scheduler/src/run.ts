import { randomUUID } from 'node:crypto';
import { AbortedError, toErrorInfo } from '@accessledger/core';
import type { Lease, RunCoordinator } from './coordinator.js';
import type {
  AbortReason,
  RunAborted,
  RunIdentity,
  RunReport,
  RunSkipped,
  RunTrigger,
  SchedulerObservers,
} from './events.js';
import type { Job, JobOutcome, RetryPolicy } from './job.js';
import { backoffDelayMs, shouldRetry } from './retry.js';
import type { Sleep } from './retry.js';

/** What a run needs from its scheduler. */
export interface RunEnvironment {
  readonly coordinator: RunCoordinator;
  readonly observers: SchedulerObservers;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly sleep: Sleep;
  readonly random: () => number;
}

const singleTry: RetryPolicy = { attempts: 1, backoffMs: 0 };

const abortMessages: Record<AbortReason, string> = {
  shutdown: 'the scheduler is stopping',
  removed: 'the job was removed from the scheduler',
  'lease-lost': 'another replica took over the lease of this job',
};

/**
 * One run of one job: claim the lease, run with retries while a heartbeat
 * renews it, release it. `done` always resolves (never rejects) with the report
 * that was also emitted to observers.
 */
export class ActiveRun {
  readonly identity: RunIdentity;
  readonly done: Promise<RunReport>;
  private readonly controller = new AbortController();
  private abortReason: AbortReason | null = null;
  private abandonedReport: RunAborted | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private startedAt = new Date();
  private attempts = 0;

  constructor(
    private readonly job: Job,
    trigger: RunTrigger,
    fireAt: Date,
    private readonly env: RunEnvironment,
  ) {
    this.identity = { runId: randomUUID(), jobName: job.name, trigger, fireAt };
    this.done = this.execute(trigger === 'manual' ? 'now' : fireAt);
  }

  /** Fires the run's signal; the run reports `aborted` once it settles. */
  abort(reason: AbortReason): void {
    if (this.controller.signal.aborted) return;
    this.abortReason = reason;
    this.controller.abort(new AbortedError(abortMessages[reason]));
  }

  /**
   * Gives up waiting for a run that ignores its signal: reports it aborted now
   * and stops renewing its lease, which then expires on its own. It is not
   * released, because the run may still be writing.
   */
  abandon(): RunAborted {
    this.stopHeartbeat();
    const report: RunAborted = {
      ...this.identity,
      status: 'aborted',
      reason: this.abortReason ?? 'shutdown',
      settled: false,
      attempts: Math.max(1, this.attempts),
      startedAt: this.startedAt,
      finishedAt: new Date(),
    };
    this.abandonedReport = report;
    this.env.observers.emit('aborted', report);
    return report;
  }

  private async execute(fireAt: Date | 'now'): Promise<RunReport> {
    let lease: Lease;
    try {
      const claim = await this.env.coordinator.claim({
        jobName: this.job.name,
        fireAt,
        leaseMs: this.env.leaseMs,
      });
      if (!claim.claimed) {
        return this.skip({ reason: 'lease-held', refusal: claim.refusal, heldBy: claim.heldBy });
      }
      lease = claim.lease;
    } catch (error) {
      return this.skip({ reason: 'coordinator-unavailable', error: toErrorInfo(error) });
    }
    if (this.controller.signal.aborted) {
      await this.releaseQuietly(lease);
      return this.finish(this.abortedReport(true));
    }
    this.startHeartbeat(lease);
    this.startedAt = new Date();
    this.env.observers.emit('started', { ...this.identity, holder: lease.holder, startedAt: this.startedAt });
    try {
      return this.finish(await this.runWithRetries());
    } finally {
      this.stopHeartbeat();
      if (this.abandonedReport === null) await this.releaseQuietly(lease);
    }
  }

  private async runWithRetries(): Promise<RunReport> {
    const policy = this.job.retry ?? singleTry;
    const signal = this.controller.signal;
    for (;;) {
      this.attempts += 1;
      try {
        const outcome: JobOutcome | void = await this.job.run(signal);
        return {
          ...this.identity,
          status: 'succeeded',
          outcome: outcome ?? undefined,
          attempts: this.attempts,
          startedAt: this.startedAt,
          finishedAt: new Date(),
        };
      } catch (error) {
        if (signal.aborted) return this.abortedReport(true);
        if (this.attempts >= policy.attempts || !shouldRetry(error, policy)) {
          return {
            ...this.identity,
            status: 'failed',
            error: toErrorInfo(error),
            cause: error,
            attempts: this.attempts,
            startedAt: this.startedAt,
            finishedAt: new Date(),
          };
        }
        const delayMs = backoffDelayMs(policy, this.attempts, error, this.env.random);
        this.env.observers.emit('retrying', {
          ...this.identity,
          failedAttempt: this.attempts,
          delayMs,
          error: toErrorInfo(error),
        });
        try {
          await this.env.sleep(delayMs, signal);
        } catch (sleepError) {
          if (signal.aborted) return this.abortedReport(true);
          throw sleepError;
        }
        if (signal.aborted) return this.abortedReport(true);
      }
    }
  }

  private abortedReport(settled: boolean): RunAborted {
    return {
      ...this.identity,
      status: 'aborted',
      reason: this.abortReason ?? 'shutdown',
      settled,
      attempts: Math.max(1, this.attempts),
      startedAt: this.startedAt,
      finishedAt: new Date(),
    };
  }

  private skip(details: Omit<RunSkipped, keyof RunIdentity | 'status'>): RunReport {
    return this.finish({ ...this.identity, status: 'skipped', ...details });
  }

  /** Emits the report unless the run was abandoned (its `aborted` went out already). */
  private finish(report: RunReport): RunReport {
    if (this.abandonedReport !== null) return this.abandonedReport;
    switch (report.status) {
      case 'succeeded':
        this.env.observers.emit('succeeded', report);
        break;
      case 'failed':
        this.env.observers.emit('failed', report);
        break;
      case 'aborted':
        this.env.observers.emit('aborted', report);
        break;
      case 'skipped':
        this.env.observers.emit('skipped', report);
        break;
    }
    return report;
  }

  private startHeartbeat(initial: Lease): void {
    let lease = initial;
    let renewing = false;
    this.heartbeat = setInterval(() => {
      if (renewing) return;
      renewing = true;
      this.env.coordinator
        .renew(lease)
        .then((renewed) => {
          if (renewed) lease = renewed;
          else this.abort('lease-lost');
        })
        // A failed renewal (database blip) is retried on the next beat; if the lease
        // expires meanwhile and another replica claims the job, that beat sees null.
        .catch(() => undefined)
        .finally(() => {
          renewing = false;
        });
    }, this.env.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async releaseQuietly(lease: Lease): Promise<void> {
    // If release fails the lease simply expires after leaseMs; the run's outcome stands.
    await this.env.coordinator.release(lease).catch(() => undefined);
  }
}
