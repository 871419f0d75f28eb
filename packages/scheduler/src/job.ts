import { InvalidConfigError } from '@accessledger/core';
import type { ConfigIssue } from '@accessledger/core';
import { validateDetailed } from 'node-cron';

/** What a run may report back; the scheduler passes it to observers untouched. */
export interface JobOutcome {
  /** One line for people, e.g. `1,204 grants in snapshot 17`. */
  readonly summary?: string;
  /** Figures an observer may turn into metrics, e.g. `{ grants: 1204 }`. */
  readonly counts?: Readonly<Record<string, number>>;
}

export interface RetryPolicy {
  /** Tries in all, the first included: `3` means one run and at most two retries. */
  readonly attempts: number;
  /** Delay before the first retry; each further retry doubles it. */
  readonly backoffMs: number;
  /** Upper bound of one delay. Defaults to 32 × `backoffMs`. */
  readonly maxBackoffMs?: number;
  /**
   * Whether errors outside core's vocabulary (a plain `Error` from a library)
   * are retried. An `AccessLedgerError` always decides by its own `retryable`,
   * so an `AuthError` is never retried. Defaults to false.
   */
  readonly retryUnclassifiedErrors?: boolean;
}

/**
 * A unit of scheduled work. The scheduler knows nothing else about it: the app
 * closes over the connection, the store and the connector in `run`.
 *
 * @example
 * const job: Job = {
 *   name: 'sync:acme-prod',
 *   cron: '0 0,30 * * * *', // on the hour and the half hour
 *   retry: { attempts: 3, backoffMs: 30_000 },
 *   run: async (signal) => ({ summary: await syncConnection('acme-prod', signal) }),
 * };
 */
export interface Job {
  /** Unique within a scheduler and stable across replicas: it keys the lease. */
  readonly name: string;
  /** 5 fields (minute first) or 6 fields (second first), as node-cron reads them. */
  readonly cron: string;
  /** IANA zone the expression is read in, e.g. `Europe/Paris`. Defaults to the scheduler's, else the process's. */
  readonly timezone?: string;
  readonly retry?: RetryPolicy;
  /** Must honour `signal`: it fires on shutdown, on `remove` and when the lease is lost. */
  run(signal: AbortSignal): Promise<JobOutcome | void>;
}

const cronExamples =
  'Use 5 fields "minute hour day-of-month month day-of-week" or 6 with seconds first, ' +
  'e.g. "*/15 * * * *" (every 15 minutes), "0 3 * * *" (03:00 daily) or "*/30 * * * * *" (every 30 seconds).';

/** Every problem of a job definition, as config issues; empty when the job is usable. */
export function jobIssues(job: Job): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const label = typeof job.name === 'string' && job.name.trim() !== '' ? job.name : '(unnamed)';
  if (typeof job.name !== 'string' || job.name.trim() === '') {
    issues.push({ path: 'name', message: 'A job needs a non-empty name, e.g. "sync:acme-prod".' });
  }
  if (typeof job.run !== 'function') {
    issues.push({ path: 'run', message: `Job "${label}" needs a run(signal) function.` });
  }
  if (typeof job.cron !== 'string') {
    issues.push({ path: 'cron', message: `Job "${label}" needs a cron expression. ${cronExamples}` });
  } else {
    const validation = validateDetailed(job.cron);
    if (!validation.valid) {
      const why = validation.errors.map((error) => `${error.field}: ${error.message}`).join('; ');
      issues.push({
        path: 'cron',
        message: `Job "${label}" has an invalid cron expression "${job.cron}" (${why}). ${cronExamples}`,
      });
    }
  }
  if (job.timezone !== undefined && !isKnownTimezone(job.timezone)) {
    issues.push({
      path: 'timezone',
      message: `Job "${label}" has an unknown timezone "${job.timezone}". Use an IANA name such as "UTC" or "America/New_York".`,
    });
  }
  if (job.retry !== undefined) issues.push(...retryIssues(label, job.retry));
  return issues;
}

/** Throws `InvalidConfigError` naming the job and each wrong field. */
export function assertValidJob(job: Job): void {
  const issues = jobIssues(job);
  if (issues.length > 0) {
    throw new InvalidConfigError(issues.map((issue) => issue.message).join(' '), issues);
  }
}

function retryIssues(label: string, retry: RetryPolicy): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!Number.isInteger(retry.attempts) || retry.attempts < 1) {
    issues.push({
      path: 'retry.attempts',
      message: `Job "${label}": retry.attempts must be a whole number of tries, at least 1 (got ${String(retry.attempts)}).`,
    });
  }
  if (!Number.isFinite(retry.backoffMs) || retry.backoffMs < 0) {
    issues.push({
      path: 'retry.backoffMs',
      message: `Job "${label}": retry.backoffMs must be a non-negative number of milliseconds (got ${String(retry.backoffMs)}).`,
    });
  }
  if (
    retry.maxBackoffMs !== undefined &&
    (!Number.isFinite(retry.maxBackoffMs) || retry.maxBackoffMs < retry.backoffMs)
  ) {
    issues.push({
      path: 'retry.maxBackoffMs',
      message: `Job "${label}": retry.maxBackoffMs must be at least retry.backoffMs (got ${String(retry.maxBackoffMs)}).`,
    });
  }
  return issues;
}

export function isKnownTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
