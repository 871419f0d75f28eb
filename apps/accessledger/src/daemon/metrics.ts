import type { Scheduler } from '@accessledger/scheduler';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Figures a job's outcome may carry (`JobOutcome.counts`) that become metrics. */
export const OutcomeCounts = {
  items: ['accounts', 'entitlements', 'grants', 'activity'],
  apiRequests: 'apiRequests',
  apiDailyUsed: 'apiDailyUsed',
  apiDailyMax: 'apiDailyMax',
} as const;

/** `sync:acme-prod` → `acme-prod`: jobs are named `<kind>:<connection>`. */
function connectionOf(jobName: string): string {
  return jobName.slice(jobName.indexOf(':') + 1);
}

function kindOf(jobName: string): string {
  return jobName.slice(0, Math.max(0, jobName.indexOf(':'))) || jobName;
}

/**
 * The daemon's Prometheus metrics, through prom-client on a registry of its
 * own (several daemons in one test process do not share series): runs by
 * status, run durations as histograms, items synced, API usage against the
 * org's daily limit, last success per connection, and Node's process metrics.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  private running = 0;

  private readonly runs = new Counter({
    name: 'accessledger_job_runs_total',
    help: 'Job runs by job, kind and final status.',
    labelNames: ['job', 'kind', 'connection', 'status'] as const,
    registers: [this.registry],
  });
  private readonly skips = new Counter({
    name: 'accessledger_job_skips_total',
    help: 'Job fires that did not run, by reason.',
    labelNames: ['job', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'accessledger_job_retries_total',
    help: 'Retries after a failed try.',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'accessledger_job_duration_seconds',
    help: 'Duration of finished runs, by job and status.',
    labelNames: ['job', 'kind', 'status'] as const,
    buckets: [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'accessledger_job_last_success_timestamp_seconds',
    help: 'When each job last succeeded (Unix seconds).',
    labelNames: ['job', 'kind', 'connection'] as const,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'accessledger_jobs_running',
    help: 'Runs in progress in this process.',
    registers: [this.registry],
  });
  readonly scheduled = new Gauge({
    name: 'accessledger_jobs_scheduled',
    help: 'Jobs this process has scheduled.',
    registers: [this.registry],
  });
  private readonly items = new Counter({
    name: 'accessledger_items_synced_total',
    help: 'Items written by succeeded runs, by connection and kind (accounts, entitlements, grants, activity).',
    labelNames: ['connection', 'item'] as const,
    registers: [this.registry],
  });
  private readonly apiRequests = new Counter({
    name: 'accessledger_api_requests_total',
    help: "Calls to the application's API made by succeeded runs.",
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });
  private readonly apiDailyUsed = new Gauge({
    name: 'accessledger_api_daily_used',
    help: "The org's API calls used in its rolling 24 h window, as last reported (Sforce-Limit-Info).",
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });
  private readonly apiDailyMax = new Gauge({
    name: 'accessledger_api_daily_limit',
    help: "The org's daily API call limit, as last reported.",
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Runs started and not yet finished in this process. */
  get runsInFlight(): number {
    return this.running;
  }

  /** Counts what the scheduler reports. */
  observe(scheduler: Scheduler): void {
    scheduler.on('started', () => this.inFlight.set(++this.running));
    scheduler.on('retrying', (event) => this.retries.inc({ job: event.jobName }));
    scheduler.on('skipped', (event) => this.skips.inc({ job: event.jobName, reason: event.reason }));
    const finished = (event: {
      jobName: string;
      status: string;
      startedAt: Date;
      finishedAt: Date;
    }): void => {
      this.running = Math.max(0, this.running - 1);
      this.inFlight.set(this.running);
      const job = event.jobName;
      const kind = kindOf(job);
      const connection = connectionOf(job);
      this.runs.inc({ job, kind, connection, status: event.status });
      this.duration.observe(
        { job, kind, status: event.status },
        (event.finishedAt.getTime() - event.startedAt.getTime()) / 1000,
      );
      if (event.status === 'succeeded')
        this.lastSuccess.set({ job, kind, connection }, event.finishedAt.getTime() / 1000);
    };
    scheduler.on('succeeded', (event) => {
      finished(event);
      const connection = connectionOf(event.jobName);
      const counts = event.outcome?.counts ?? {};
      for (const item of OutcomeCounts.items) {
        const value = counts[item];
        if (value !== undefined && value > 0) this.items.inc({ connection, item }, value);
      }
      const requests = counts[OutcomeCounts.apiRequests];
      if (requests !== undefined && requests > 0) this.apiRequests.inc({ connection }, requests);
      const used = counts[OutcomeCounts.apiDailyUsed];
      if (used !== undefined) this.apiDailyUsed.set({ connection }, used);
      const max = counts[OutcomeCounts.apiDailyMax];
      if (max !== undefined) this.apiDailyMax.set({ connection }, max);
    });
    scheduler.on('failed', finished);
    scheduler.on('aborted', finished);
  }

  /** The Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
