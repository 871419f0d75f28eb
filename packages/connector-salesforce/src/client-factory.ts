import type { RunContext } from '@accessledger/core';
import { inject, injectable } from 'tsyringe';
import { orgDomainOf, type SalesforceConfig } from './config.js';
import { SalesforceClient } from './http/client.js';
import { sessionGrantFor } from './http/grants.js';
import type { RetryPolicy } from './http/retry.js';
import { SingleFlightSessionProvider, type SessionProvider } from './http/session.js';
import { SalesforceConfigToken, SalesforceConnectionNameToken } from './tokens.js';

/** A client and the session provider behind it (validate reads the session's identity URL). */
export interface SalesforceConnection {
  readonly client: SalesforceClient;
  readonly sessions: SessionProvider;
}

/** Builds the HTTP side of one run. */
export interface SalesforceClientFactory {
  connect(ctx: RunContext): SalesforceConnection;
}

/**
 * One client per run, built from that run's `ctx.credentials`: the credential
 * store is the run's (the daemon may hand each run its own, and a rotated
 * refresh token must be written to the store of the run that received it), so
 * a client cached across runs could hold a stale store. The cost is one token
 * request per run.
 */
@injectable()
export class OAuthSalesforceClientFactory implements SalesforceClientFactory {
  /** Retry tuning; tests shorten the delays. */
  retry: RetryPolicy | undefined;

  constructor(
    @inject(SalesforceConfigToken) private readonly config: SalesforceConfig,
    /** Named in the message that asks a person to connect again. */
    @inject(SalesforceConnectionNameToken) private readonly connectionName = '<connection>',
  ) {}

  connect(ctx: RunContext): SalesforceConnection {
    const sessions = new SingleFlightSessionProvider(
      sessionGrantFor(this.config.auth, orgDomainOf(this.config), ctx.credentials, {
        connectionName: this.connectionName,
      }),
    );
    const client = new SalesforceClient({
      sessions,
      logger: ctx.logger,
      minRemainingApiCalls: this.config.minRemainingApiCalls,
      queryBatchSize: this.config.queryBatchSize,
      ...(this.retry ? { retry: this.retry } : {}),
    });
    return { client, sessions };
  }
}
