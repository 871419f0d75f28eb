import type { Scheduler } from '@accessledger/scheduler';

type Labels = Readonly<Record<string, string>>;

/** A few Prometheus series, kept by hand: counters and gauges keyed by their labels. */
export class DaemonMetrics {
  private readonly series = new Map<
    string,
    { help: string; type: 'counter' | 'gauge'; values: Map<string, number> }
  >();
  private readonly startedAt = Date.now();

  constructor() {
    this.define('accessledger_job_runs_total', 'counter', 'Job runs by job and final status.');
    this.define('accessledger_job_skips_total', 'counter', 'Job fires that did not run, by reason.');
    this.define('accessledger_job_retries_total', 'counter', 'Retries after a failed try.');
    this.define(
      'accessledger_job_duration_seconds',
      'gauge',
      'Duration of the last finished run of each job.',
    );
    this.define('accessledger_job_last_success_timestamp_seconds', 'gauge', 'When each job last succeeded.');
    this.define('accessledger_jobs_running', 'gauge', 'Runs in progress in this process.');
    this.define('accessledger_jobs_scheduled', 'gauge', 'Jobs this process has scheduled.');
  }

  private running = 0;

  /** Runs started and not yet finished in this process. */
  get runsInFlight(): number {
    return this.running;
  }

  /** Counts what the scheduler reports. */
  observe(scheduler: Scheduler): void {
    scheduler.on('started', () => this.set('accessledger_jobs_running', {}, ++this.running));
    scheduler.on('retrying', (event) =>
      this.increment('accessledger_job_retries_total', { job: event.jobName }),
    );
    scheduler.on('skipped', (event) =>
      this.increment('accessledger_job_skips_total', { job: event.jobName, reason: event.reason }),
    );
    const finished = (event: {
      jobName: string;
      status: string;
      startedAt: Date;
      finishedAt: Date;
    }): void => {
      this.running = Math.max(0, this.running - 1);
      this.set('accessledger_jobs_running', {}, this.running);
      this.increment('accessledger_job_runs_total', { job: event.jobName, status: event.status });
      this.set(
        'accessledger_job_duration_seconds',
        { job: event.jobName },
        (event.finishedAt.getTime() - event.startedAt.getTime()) / 1000,
      );
      if (event.status === 'succeeded') {
        this.set(
          'accessledger_job_last_success_timestamp_seconds',
          { job: event.jobName },
          event.finishedAt.getTime() / 1000,
        );
      }
    };
    scheduler.on('succeeded', finished);
    scheduler.on('failed', finished);
    scheduler.on('aborted', finished);
  }

  set(name: string, labels: Labels, value: number): void {
    this.values(name).set(labelText(labels), value);
  }

  increment(name: string, labels: Labels): void {
    const values = this.values(name);
    const key = labelText(labels);
    values.set(key, (values.get(key) ?? 0) + 1);
  }

  /** The Prometheus text exposition format, version 0.0.4. */
  render(): string {
    const lines: string[] = [];
    for (const [name, { help, type, values }] of this.series) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
    }
    lines.push(
      '# HELP process_uptime_seconds Seconds since the daemon started.',
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds ${(Date.now() - this.startedAt) / 1000}`,
    );
    return `${lines.join('\n')}\n`;
  }

  private define(name: string, type: 'counter' | 'gauge', help: string): void {
    this.series.set(name, { help, type, values: new Map() });
  }

  private values(name: string): Map<string, number> {
    const series = this.series.get(name);
    if (!series) throw new Error(`metric ${name} is not defined`);
    return series.values;
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
