import { SeededRandom } from '../org/prng.js';

/** What the emulator can be told to do wrong. Every field is optional; unset means "no fault". */
export interface FaultSettings {
  /** Added to every API request, in milliseconds. */
  readonly latencyMs?: number;
  /** Extra latency drawn uniformly from [0, latencyJitterMs] per request. */
  readonly latencyJitterMs?: number;
  /** Share (0..1) of API requests answered with a 500 or 503 before they run. */
  readonly serverErrorRate?: number;
  /** Share (0..1) of API requests whose socket is destroyed before a response is written. */
  readonly dropConnectionRate?: number;
  /** Every live access token expires after this many more authenticated calls (then 401 INVALID_SESSION_ID). */
  readonly expireTokenAfterCalls?: number;
  /** Share (0..1) of writes failing with UNABLE_TO_LOCK_ROW. */
  readonly lockRowRate?: number;
  /** The next N writes fail with UNABLE_TO_LOCK_ROW. */
  readonly lockRowNext?: number;
  /** The org's daily API request budget (DailyApiRequests.Max). */
  readonly dailyApiLimit?: number;
}

/** How many times each fault fired, so tests can assert that it happened. */
export interface FaultCounts {
  latency: number;
  serverError500: number;
  serverError503: number;
  droppedConnection: number;
  tokenExpired: number;
  unableToLockRow: number;
  requestLimitExceeded: number;
}

/** Hooks the controller drives on the org and the OAuth server. */
export interface FaultTargets {
  setDailyApiLimit(limit: number): void;
  expireTokensAfterCalls(calls: number | undefined): void;
  tokenExpirations(): number;
}

function share(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a share between 0 and 1, got ${value}`);
  return value;
}

function zeroCounts(): FaultCounts {
  return {
    latency: 0,
    serverError500: 0,
    serverError503: 0,
    droppedConnection: 0,
    tokenExpired: 0,
    unableToLockRow: 0,
    requestLimitExceeded: 0,
  };
}

/**
 * Injected faults, settable per test and at run time. Randomness comes from a
 * seeded PRNG so a failing run can be replayed with the same seed.
 *
 * @example
 * emulator.faults.set({ serverErrorRate: 0.2, lockRowNext: 1 });
 * // ... drive the connector ...
 * expect(emulator.faults.counts.unableToLockRow).toBe(1);
 */
export class FaultController {
  private settings: FaultSettings = {};
  private random: SeededRandom;
  private lockRowRemaining = 0;
  private readonly tallies: FaultCounts = zeroCounts();
  private targets: FaultTargets | undefined;
  private tokenExpirationsAtReset = 0;

  constructor(
    initial: FaultSettings = {},
    private readonly seed = 1,
  ) {
    this.random = new SeededRandom(seed);
    this.settings = initial;
    this.lockRowRemaining = initial.lockRowNext ?? 0;
  }

  /** Connects the controller to the org and OAuth server it acts on (done by `startEmulator`). */
  attach(targets: FaultTargets): void {
    this.targets = targets;
    this.tokenExpirationsAtReset = targets.tokenExpirations();
    this.apply(this.settings);
  }

  /** Merges new settings over the current ones. */
  set(settings: FaultSettings): void {
    share(settings.serverErrorRate, 'serverErrorRate');
    share(settings.dropConnectionRate, 'dropConnectionRate');
    share(settings.lockRowRate, 'lockRowRate');
    this.settings = { ...this.settings, ...settings };
    if (settings.lockRowNext !== undefined) this.lockRowRemaining = settings.lockRowNext;
    this.apply(settings);
  }

  /** Turns every fault off, zeroes the counts and reseeds the PRNG. */
  reset(): void {
    this.settings = {};
    this.lockRowRemaining = 0;
    this.random = new SeededRandom(this.seed);
    Object.assign(this.tallies, zeroCounts());
    this.targets?.expireTokensAfterCalls(undefined);
    this.tokenExpirationsAtReset = this.targets?.tokenExpirations() ?? 0;
  }

  get current(): FaultSettings {
    return this.settings;
  }

  get counts(): Readonly<FaultCounts> {
    if (this.targets !== undefined) {
      this.tallies.tokenExpired = this.targets.tokenExpirations() - this.tokenExpirationsAtReset;
    }
    return this.tallies;
  }

  /** Milliseconds to delay this request (0 when no latency is configured). */
  latencyFor(): number {
    const fixed = this.settings.latencyMs ?? 0;
    const jitter = this.settings.latencyJitterMs ?? 0;
    const delay = fixed + (jitter > 0 ? this.random.next() * jitter : 0);
    if (delay > 0) this.tallies.latency++;
    return delay;
  }

  shouldDropConnection(): boolean {
    if (!this.random.chance(share(this.settings.dropConnectionRate, 'dropConnectionRate'))) return false;
    this.tallies.droppedConnection++;
    return true;
  }

  /** 500 or 503 when this request should fail as a server error, else undefined. */
  serverErrorStatus(): 500 | 503 | undefined {
    if (!this.random.chance(share(this.settings.serverErrorRate, 'serverErrorRate'))) return undefined;
    const status = this.random.chance(0.5) ? 500 : 503;
    if (status === 500) this.tallies.serverError500++;
    else this.tallies.serverError503++;
    return status;
  }

  /** True when this write should fail with UNABLE_TO_LOCK_ROW. */
  shouldFailLock(): boolean {
    let fail: boolean;
    if (this.lockRowRemaining > 0) {
      this.lockRowRemaining--;
      fail = true;
    } else {
      fail = this.random.chance(share(this.settings.lockRowRate, 'lockRowRate'));
    }
    if (fail) this.tallies.unableToLockRow++;
    return fail;
  }

  recordRequestLimitExceeded(): void {
    this.tallies.requestLimitExceeded++;
  }

  private apply(settings: FaultSettings): void {
    if (this.targets === undefined) return;
    if (settings.dailyApiLimit !== undefined) this.targets.setDailyApiLimit(settings.dailyApiLimit);
    if ('expireTokenAfterCalls' in settings)
      this.targets.expireTokensAfterCalls(settings.expireTokenAfterCalls);
  }
}
