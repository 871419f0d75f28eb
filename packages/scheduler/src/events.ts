import type { ErrorInfo } from '@accessledger/core';
import type { ClaimRefusal } from './coordinator.js';
import type { JobOutcome } from './job.js';

/** `scheduled`: a cron fire; `manual`: `runNow` (the CLI's "sync now"). */
export type RunTrigger = 'scheduled' | 'manual';

/** Why a run was aborted: the scheduler stopped, the job was removed, or the lease went to another replica. */
export type AbortReason = 'shutdown' | 'removed' | 'lease-lost';

/**
 * Why a fire did not run:
 * - `overlap`: the job's previous run in this process is still going;
 * - `lease-held`: another replica ran this fire, or still runs the job;
 * - `coordinator-unavailable`: the lease could not be claimed (database down); fail-closed;
 * - `missed`: the process was too busy to fire on time (node-cron's missed execution).
 */
export type SkipReason = 'overlap' | 'lease-held' | 'coordinator-unavailable' | 'missed';

export interface RunIdentity {
  /** Unique per run, for correlating the events of one run. */
  readonly runId: string;
  readonly jobName: string;
  readonly trigger: RunTrigger;
  /** The cron slot; for a manual run, when it was asked for. */
  readonly fireAt: Date;
}

export interface RunStarted extends RunIdentity {
  readonly holder: string;
  readonly startedAt: Date;
}

export interface RunRetrying extends RunIdentity {
  /** The try that just failed, 1-based. */
  readonly failedAttempt: number;
  readonly delayMs: number;
  readonly error: ErrorInfo;
}

interface RunFinish extends RunIdentity {
  /** Tries made, 1-based. */
  readonly attempts: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

export interface RunSucceeded extends RunFinish {
  readonly status: 'succeeded';
  readonly outcome: JobOutcome | undefined;
}

export interface RunFailed extends RunFinish {
  readonly status: 'failed';
  readonly error: ErrorInfo;
  /** The error as thrown, for logs; `error` is what to store. */
  readonly cause: unknown;
}

export interface RunAborted extends RunFinish {
  readonly status: 'aborted';
  readonly reason: AbortReason;
  /** False when the run ignored its signal and was abandoned after the grace period. */
  readonly settled: boolean;
}

export interface RunSkipped extends RunIdentity {
  readonly status: 'skipped';
  readonly reason: SkipReason;
  /** For `lease-held`: whether this fire ran elsewhere or the job is still running elsewhere. */
  readonly refusal?: ClaimRefusal;
  /** For `lease-held`: the holder as last seen. */
  readonly heldBy?: { readonly holder: string; readonly fireAt: Date; readonly expiresAt: Date } | null;
  /** For `coordinator-unavailable`: what the coordinator threw. */
  readonly error?: ErrorInfo;
}

/** How a run ended; what `runNow` resolves to. */
export type RunReport = RunSucceeded | RunFailed | RunAborted | RunSkipped;

/** Observer events, one per run outcome plus `started` and `retrying`. */
export interface SchedulerEvents {
  started: RunStarted;
  retrying: RunRetrying;
  succeeded: RunSucceeded;
  failed: RunFailed;
  aborted: RunAborted;
  skipped: RunSkipped;
}

export type SchedulerEventName = keyof SchedulerEvents;
export type SchedulerListener<E extends SchedulerEventName> = (event: SchedulerEvents[E]) => void;

/** Typed listeners; a throwing listener is reported as a process warning and never disturbs a run. */
export class SchedulerObservers {
  private readonly listeners = new Map<SchedulerEventName, Set<(event: never) => void>>();

  on<E extends SchedulerEventName>(event: E, listener: SchedulerListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends SchedulerEventName>(event: E, payload: SchedulerEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set] as SchedulerListener<E>[]) {
      try {
        listener(payload);
      } catch (error) {
        process.emitWarning(
          `A scheduler "${event}" listener threw: ${error instanceof Error ? error.message : String(error)}`,
          { code: 'ACCESSLEDGER_SCHEDULER_LISTENER' },
        );
      }
    }
  }
}
