import { AbortedError, throwIfAborted } from '@accessledger/core';

/**
 * Hands out sessions (whatever authorizes a call: a bearer token and its host)
 * and renews one the service refused. `renew` is absent for credentials that
 * cannot be renewed (a static token, basic auth): a refusal is then final.
 */
export interface SessionProvider<S> {
  current(signal: AbortSignal): Promise<S>;
  /** Renews after `stale` was refused; concurrent callers share one renewal. */
  renew?(stale: S, signal: AbortSignal): Promise<S>;
}

/** Obtains a fresh session, e.g. from an OAuth token endpoint. */
export type SessionGrant<S> = (signal: AbortSignal) => Promise<S>;

export interface SingleFlightOptions<S> {
  /** When the session stops being valid, if the service said (`expires_in`); null: until refused. */
  readonly expiresAt?: (session: S) => number | null;
  /** Renew this long before `expiresAt` (default 30 s). */
  readonly earlyRenewalMs?: number;
  readonly now?: () => number;
}

/**
 * Caches one session and runs at most one grant at a time (single flight):
 * twenty calls refused with 401 at once cause one token request.
 */
export class SingleFlightSessionProvider<S> implements SessionProvider<S> {
  private session: S | null = null;
  private inFlight: Promise<S> | null = null;

  constructor(
    private readonly grant: SessionGrant<S>,
    private readonly options: SingleFlightOptions<S> = {},
  ) {}

  async current(signal: AbortSignal): Promise<S> {
    if (this.session !== null && !this.expiring(this.session)) return this.session;
    this.session = null;
    return this.obtain(signal);
  }

  async renew(stale: S, signal: AbortSignal): Promise<S> {
    // Another caller already renewed: use theirs instead of asking again.
    if (this.session !== null && this.session !== stale) return this.session;
    this.session = null;
    return this.obtain(signal);
  }

  private expiring(session: S): boolean {
    const expiresAt = this.options.expiresAt?.(session) ?? null;
    if (expiresAt === null) return false;
    const now = (this.options.now ?? Date.now)();
    return now >= expiresAt - (this.options.earlyRenewalMs ?? 30_000);
  }

  private obtain(signal: AbortSignal): Promise<S> {
    throwIfAborted(signal);
    if (!this.inFlight) {
      // The shared grant is not tied to one caller's signal: another caller may still need it.
      this.inFlight = this.grant(new AbortController().signal)
        .then((session) => {
          this.session = session;
          return session;
        })
        .finally(() => {
          this.inFlight = null;
        });
    }
    return raceAbort(this.inFlight, signal);
  }
}

/** A session that never changes (a static API token, basic credentials). */
export class FixedSessionProvider<S> implements SessionProvider<S> {
  constructor(private readonly load: SessionGrant<S>) {}
  private session: Promise<S> | null = null;

  current(signal: AbortSignal): Promise<S> {
    throwIfAborted(signal);
    this.session ??= this.load(signal).catch((error: unknown) => {
      this.session = null;
      throw error;
    });
    return raceAbort(this.session, signal);
  }
}

/** Settles with `promise`, or rejects with `AbortedError` as soon as `signal` fires. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
