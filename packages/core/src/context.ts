import type { Logger } from 'pino';
import { pino } from 'pino';
import { InvalidInputError } from './errors.js';

export type { Logger } from 'pino';

/** Where a run reports how far it got; the daemon turns it into metrics and run records. */
export interface ProgressReporter {
  report(progress: Progress): void;
}

export interface Progress {
  /** What is being worked on, e.g. `users`, `permission_set_assignments`. */
  readonly phase: string;
  readonly done?: number;
  readonly total?: number;
  readonly message?: string;
  /** The application's API calls so far in this run, when the connector knows them. */
  readonly usage?: ApiCallUsage;
}

/** Calls made by a run, and the application's daily budget as last reported. */
export interface ApiCallUsage {
  readonly requests: number;
  readonly dailyUsed?: number;
  readonly dailyMax?: number;
}

/**
 * A connection's secrets. A connector reads what it needs when it needs it and
 * writes back what the application rotates (a new refresh token).
 */
export interface CredentialStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

/** Everything a connector call may use besides its own configuration. */
export interface RunContext {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly credentials: CredentialStore;
}

/** Log keys whose values never reach a log line. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'privateKey',
  'authorization',
  'assertion',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.privateKey',
  '*.authorization',
  '*.assertion',
  'headers.authorization',
  'req.headers.authorization',
];

/** A pino logger that redacts credential-shaped keys. */
export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const settings = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    ...(options.name ? { name: options.name } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A credential store in memory: for tests, the demo, and one-shot CLI runs. */
export class InMemoryCredentialStore implements CredentialStore {
  private readonly values: Map<string, string>;

  constructor(initial: Readonly<Record<string, string>> = {}) {
    this.values = new Map(Object.entries(initial));
  }

  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }

  async set(name: string, value: string): Promise<void> {
    if (value.length === 0)
      throw new InvalidInputError(`Credential "${name}" cannot be set to an empty value.`);
    this.values.set(name, value);
  }
}

export const silentProgress: ProgressReporter = { report: () => undefined };

/** A RunContext with quiet defaults; override what the caller cares about. */
export function createRunContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    signal: overrides.signal ?? new AbortController().signal,
    logger: overrides.logger ?? pino({ level: 'silent' }),
    progress: overrides.progress ?? silentProgress,
    credentials: overrides.credentials ?? new InMemoryCredentialStore(),
  };
}
