import type { ApiHandler } from './api-call.js';
import { json } from './api-call.js';

function limit(max: number, remaining = max): { Max: number; Remaining: number } {
  return { Max: max, Remaining: remaining };
}

/** `/limits`: DailyApiRequests reflects the rolling 24-hour usage; the rest are static, plausible values. */
export const limits: ApiHandler = (call) => {
  const usage = call.org.apiUsage;
  return json(200, {
    ConcurrentAsyncGetReportInstances: limit(200),
    ConcurrentSyncReportRuns: limit(20),
    DailyApiRequests: limit(usage.limit, usage.remaining()),
    DailyAsyncApexExecutions: limit(250_000),
    DailyBulkApiBatches: limit(15_000),
    DailyBulkV2QueryJobs: limit(10_000),
    DataStorageMB: limit(1_024, 1_000),
    FileStorageMB: limit(10_240, 10_000),
    HourlyPublishedPlatformEvents: limit(50_000),
    SingleEmail: limit(5_000),
  });
};
