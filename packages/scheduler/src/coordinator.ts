import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** A replica's exclusive right to run one fire of one job, until `expiresAt` unless renewed. */
export interface Lease {
  readonly jobName: string;
  /** Who holds it, e.g. `host:pid:suffix`; for messages and the table. */
  readonly holder: string;
  /** Unique per claim: renew and release act only on the claim that made it. */
  readonly token: string;
  /** The fire this lease runs: the cron slot, or the claim time of a manual run. */
  readonly fireAt: Date;
  readonly expiresAt: Date;
  readonly leaseMs: number;
}

export interface ClaimRequest {
  readonly jobName: string;
  /** The cron slot being fired, or `'now'` for a manual run (the coordinator's clock decides). */
  readonly fireAt: Date | 'now';
  readonly leaseMs: number;
}

/**
 * Why a claim was refused:
 * - `fire-already-claimed`: another replica claimed this fire (or a later one); the normal case.
 * - `job-running-elsewhere`: another replica still holds an unexpired lease for an earlier fire.
 */
export type ClaimRefusal = 'fire-already-claimed' | 'job-running-elsewhere';

export type ClaimResult =
  | { readonly claimed: true; readonly lease: Lease }
  | {
      readonly claimed: false;
      readonly refusal: ClaimRefusal;
      /** The current holder as last seen, when the coordinator could tell. */
      readonly heldBy: { readonly holder: string; readonly fireAt: Date; readonly expiresAt: Date } | null;
    };

/**
 * Decides which replica runs a fire. One lease per job: a claim succeeds only
 * when the job's previous lease was released or has expired, and only for a
 * fire later than the last one claimed, so each fire runs at most once and a
 * job never runs on two replicas at the same time.
 *
 * @example
 * const result = await coordinator.claim({ jobName: 'sync:acme', fireAt: slot, leaseMs: 60_000 });
 * if (result.claimed) {
 *   try { await work(); } finally { await coordinator.release(result.lease); }
 * }
 */
export interface RunCoordinator {
  /** This replica's identity, stored as the lease holder. */
  readonly holder: string;
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Extends the lease by its `leaseMs`; returns null when it was lost (another replica claimed the job). */
  renew(lease: Lease): Promise<Lease | null>;
  /** Ends the lease now so the next fire need not wait for expiry. A lost lease is left alone. */
  release(lease: Lease): Promise<void>;
}

/** A holder name that tells replicas apart in the table and in messages. */
export function defaultHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

interface LeaseRecord {
  holder: string;
  token: string;
  fireAt: number;
  expiresAt: number;
  released: boolean;
}

/**
 * The coordinator for a single process (the embedded setup) and for tests: the
 * same rules as `PostgresRunCoordinator`, kept in memory. Several schedulers
 * may share one instance to simulate replicas.
 *
 * @example
 * const coordinator = new InProcessRunCoordinator();
 * const scheduler = new Scheduler({ coordinator });
 */
export class InProcessRunCoordinator implements RunCoordinator {
  readonly holder: string;
  private readonly leases: Map<string, LeaseRecord>;
  private readonly now: () => number;

  /**
   * @param options.now the clock leases expire by (milliseconds since the epoch); injectable for tests.
   * @param options.sharedWith another coordinator whose leases this one sees, as a second replica would.
   */
  constructor(options: { holder?: string; now?: () => number; sharedWith?: InProcessRunCoordinator } = {}) {
    this.holder = options.holder ?? defaultHolder();
    this.now = options.now ?? options.sharedWith?.now ?? Date.now;
    this.leases = options.sharedWith?.leases ?? new Map<string, LeaseRecord>();
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const now = this.now();
    const existing = this.leases.get(request.jobName);
    const manual = request.fireAt === 'now';
    let fireAt = request.fireAt === 'now' ? now : request.fireAt.getTime();
    if (existing) {
      const free = existing.released || existing.expiresAt <= now;
      if (!free) {
        const refusal: ClaimRefusal =
          !manual && existing.fireAt >= fireAt ? 'fire-already-claimed' : 'job-running-elsewhere';
        return { claimed: false, refusal, heldBy: describe(existing) };
      }
      if (!manual && existing.fireAt >= fireAt) {
        return { claimed: false, refusal: 'fire-already-claimed', heldBy: describe(existing) };
      }
      if (manual) fireAt = Math.max(fireAt, existing.fireAt);
    }
    const record: LeaseRecord = {
      holder: this.holder,
      token: randomUUID(),
      fireAt,
      expiresAt: now + request.leaseMs,
      released: false,
    };
    this.leases.set(request.jobName, record);
    return { claimed: true, lease: toLease(request.jobName, record, request.leaseMs) };
  }

  async renew(lease: Lease): Promise<Lease | null> {
    const record = this.leases.get(lease.jobName);
    if (!record || record.token !== lease.token || record.released) return null;
    record.expiresAt = this.now() + lease.leaseMs;
    return toLease(lease.jobName, record, lease.leaseMs);
  }

  async release(lease: Lease): Promise<void> {
    const record = this.leases.get(lease.jobName);
    if (!record || record.token !== lease.token) return;
    record.released = true;
    record.expiresAt = Math.min(record.expiresAt, this.now());
  }
}

function describe(record: LeaseRecord): { holder: string; fireAt: Date; expiresAt: Date } {
  return { holder: record.holder, fireAt: new Date(record.fireAt), expiresAt: new Date(record.expiresAt) };
}

function toLease(jobName: string, record: LeaseRecord, leaseMs: number): Lease {
  return {
    jobName,
    holder: record.holder,
    token: record.token,
    fireAt: new Date(record.fireAt),
    expiresAt: new Date(record.expiresAt),
    leaseMs,
  };
}
