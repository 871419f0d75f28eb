import { InvalidConfigError } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { assertValidJob, jobIssues } from './job.js';
import type { Job } from './job.js';

const run = async (): Promise<void> => undefined;

describe('job validation', () => {
  it('accepts 5-field and 6-field expressions', () => {
    expect(jobIssues({ name: 'sync:a', cron: '*/15 * * * *', run })).toEqual([]);
    expect(jobIssues({ name: 'sync:a', cron: '*/30 * * * * *', run })).toEqual([]);
  });

  it('names the job, the wrong field and shows a valid expression', () => {
    const job: Job = { name: 'sync:acme', cron: '61 * * * *', run };
    expect(() => assertValidJob(job)).toThrow(InvalidConfigError);
    try {
      assertValidJob(job);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('Job "sync:acme"');
      expect(message).toContain('"61 * * * *"');
      expect(message).toContain('minute');
      expect(message).toContain('"*/15 * * * *"');
      expect((error as InvalidConfigError).issues.map((issue) => issue.path)).toEqual(['cron']);
    }
  });

  it('reports a wrong field count', () => {
    const [issue] = jobIssues({ name: 'activity:acme', cron: '* * *', run });
    expect(issue?.message).toContain('expected 5 or 6 fields but got 3');
  });

  it('rejects an unknown timezone, an empty name and a bad retry policy together', () => {
    const issues = jobIssues({
      name: ' ',
      cron: '0 3 * * *',
      timezone: 'Mars/Olympus',
      retry: { attempts: 0, backoffMs: -1, maxBackoffMs: 5 },
      run,
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      'name',
      'timezone',
      'retry.attempts',
      'retry.backoffMs',
    ]);
    expect(issues[1]?.message).toContain('Mars/Olympus');
  });
});
