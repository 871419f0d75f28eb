import {
  clientCredentialsGrant,
  FixedSessionProvider,
  HttpClient,
  SCIM_MEDIA_TYPE,
  SingleFlightSessionProvider,
  type RetryPolicy,
  type SessionProvider,
} from '@accessledger/connector-kit';
import { AuthError, type CredentialStore, type RunContext } from '@accessledger/core';
import { inject, injectable } from 'tsyringe';
import { ScimCredentialNames, type ScimAuthConfig, type ScimConfig } from '../config.js';
import { ScimConfigToken } from '../tokens.js';
import { ScimClient, scimHttpOptions, type ScimSession } from './client.js';

/** Builds the HTTP side of one run. */
export interface ScimClientFactory {
  connect(ctx: RunContext): ScimClient;
}

async function requireSecret(credentials: CredentialStore, name: string, fix: string): Promise<string> {
  const value = await credentials.get(name);
  if (!value) throw new AuthError(`The connection has no ${name}: ${fix}`);
  return value;
}

/** Sessions for a connection's auth method; only OAuth tokens can be renewed. */
export function sessionsFor(
  auth: ScimAuthConfig,
  credentials: CredentialStore,
  timeoutMs: number,
): SessionProvider<ScimSession> {
  switch (auth.method) {
    case 'bearer':
      return new FixedSessionProvider(async () => {
        const token = await requireSecret(
          credentials,
          ScimCredentialNames.token,
          'store the API token with `accessledger connections add … --secret token=env:SCIM_TOKEN`.',
        );
        return { headers: { authorization: `Bearer ${token}` }, expiresAt: null };
      });
    case 'basic':
      return new FixedSessionProvider(async () => {
        const password = await requireSecret(
          credentials,
          ScimCredentialNames.password,
          'store it with `accessledger connections add … --secret password=env:SCIM_PASSWORD`.',
        );
        const pair = Buffer.from(`${auth.username}:${password}`).toString('base64');
        return { headers: { authorization: `Basic ${pair}` }, expiresAt: null };
      });
    case 'oauth-client-credentials':
      return new SingleFlightSessionProvider<ScimSession>(
        async (signal) => {
          const clientSecret = await requireSecret(
            credentials,
            ScimCredentialNames.clientSecret,
            'store the OAuth client secret with `--secret clientSecret=env:SCIM_CLIENT_SECRET`.',
          );
          const token = await clientCredentialsGrant(
            {
              tokenUrl: auth.tokenUrl,
              clientId: auth.clientId,
              clientSecret,
              clientAuthentication: auth.clientAuthentication,
              timeoutMs,
              ...(auth.scope ? { scope: auth.scope } : {}),
            },
            signal,
          );
          return { headers: { authorization: `Bearer ${token.accessToken}` }, expiresAt: token.expiresAt };
        },
        { expiresAt: (session) => session.expiresAt },
      );
  }
}

/**
 * One client per run, built from that run's `ctx.credentials` (the daemon
 * may hand each run its own store).
 */
@injectable()
export class HttpScimClientFactory implements ScimClientFactory {
  /** Retry tuning; tests shorten the delays. */
  retry: RetryPolicy | undefined;

  constructor(@inject(ScimConfigToken) private readonly config: ScimConfig) {}

  connect(ctx: RunContext): ScimClient {
    const http = new HttpClient<ScimSession>({
      ...scimHttpOptions(`the SCIM service at ${new URL(this.config.baseUrl).host}`),
      sessions: sessionsFor(this.config.auth, ctx.credentials, this.config.timeoutMs),
      // RFC 7644 §3.1: SCIM's own media type, and plain JSON for providers that only speak that.
      authorize: (session) => ({
        baseUrl: this.config.baseUrl,
        headers: { accept: `${SCIM_MEDIA_TYPE}, application/json`, ...session.headers },
      }),
      logger: ctx.logger,
      timeoutMs: this.config.timeoutMs,
      ...(this.retry ? { retry: this.retry } : {}),
    });
    return new ScimClient(http, new URL(this.config.baseUrl).pathname.replace(/\/+$/, ''));
  }
}
