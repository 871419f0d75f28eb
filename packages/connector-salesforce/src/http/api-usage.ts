/**
 * `Sforce-Limit-Info: api-usage=USED/LIMIT` arrives on REST responses. The
 * first number is calls USED in the org's rolling 24-hour window, not calls
 * remaining (REST API Developer Guide: "Limit Info Header").
 */
export interface ApiUsage {
  readonly used: number;
  readonly limit: number;
}

export function parseLimitInfo(header: string | undefined | null): ApiUsage | null {
  if (!header) return null;
  const match = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/.exec(header);
  if (!match) return null;
  return { used: Number(match[1]), limit: Number(match[2]) };
}

export function remainingCalls(usage: ApiUsage): number {
  return Math.max(0, usage.limit - usage.used);
}
