const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 24 * 60;

/**
 * API calls counted in a rolling 24-hour window, per minute, the way
 * Salesforce meters DailyApiRequests. `Sforce-Limit-Info: api-usage=USED/LIMIT`
 * reports `used()` and `limit`.
 */
export class ApiUsage {
  private readonly minutes = new Map<number, number>();

  constructor(
    public limit: number,
    private readonly now: () => Date,
  ) {}

  used(): number {
    const current = Math.floor(this.now().getTime() / MINUTE_MS);
    let total = 0;
    for (const [minute, count] of this.minutes) {
      if (minute <= current - WINDOW_MINUTES) this.minutes.delete(minute);
      else total += count;
    }
    return total;
  }

  remaining(): number {
    return Math.max(0, this.limit - this.used());
  }

  /** Counts `calls` calls; false (and nothing counted) when the budget is already spent. */
  tryConsume(calls = 1): boolean {
    if (this.used() >= this.limit) return false;
    const minute = Math.floor(this.now().getTime() / MINUTE_MS);
    this.minutes.set(minute, (this.minutes.get(minute) ?? 0) + calls);
    return true;
  }

  reset(): void {
    this.minutes.clear();
  }
}
