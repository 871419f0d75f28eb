import {
  AbortedError,
  TransientError,
  AuthError,
  ConflictError,
  createRunContext,
  InvalidInputError,
  isAccessLedgerError,
  isCredentialRevoker,
  type JsonObject,
} from '@accessledger/core';
import {
  authorizeCallbackError,
  authorizeUrl,
  checkAuthorizeUrl,
  CONNECT_SCOPES,
  createPkcePair,
  createState,
  CredentialNames,
  exchangeAuthorizationCode,
  parseOrgDomain,
  pollDeviceAuthorization,
  startDeviceAuthorization,
  type ConnectedSession,
} from '@accessledger/connector-salesforce';
import { ConnectionStore, type Connection } from '@accessledger/storage';
import type { Command } from 'commander';
import { CliExit, type CliIo } from '../cli-io.js';
import { listenForCallback, openInBrowser } from '../connect/loopback-callback.js';
import { formatValidationReport } from '../format.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { readSecretSpec } from './connections.js';

interface ConnectOptions {
  readonly domain?: string;
  readonly clientId?: string;
  readonly port: string;
  readonly secret: string[];
  readonly device?: boolean;
  readonly allowCustomHosts?: boolean;
  readonly open: boolean;
  readonly timeout: string;
}

/**
 * `accessledger connect <name>`: log in to Salesforce in the browser and allow access, like
 * `sf org login web`. The OAuth 2.0 web server flow with PKCE (S256) and `state`, a loopback callback
 * on 127.0.0.1; or, with `--device`, the device flow. Nothing is stored until Salesforce has issued a
 * refresh token; then the connection (new or existing) gets it, encrypted, and is validated.
 */
export function registerConnectCommand(program: Command, io: CliIo): void {
  program
    .command('connect <name>')
    .description(
      'Log in to Salesforce in the browser and allow access; stores the refresh token (encrypted) for a new or existing connection.',
    )
    .option(
      '--domain <domain>',
      "login (production), test (sandbox) or your My Domain; default: the connection's, else login",
    )
    .option('--client-id <key>', "the connected app's Consumer Key; default: the connection's")
    .option(
      '--port <port>',
      'loopback port of the callback URL http://127.0.0.1:<port>/OauthRedirect',
      '1717',
    )
    .option(
      '--secret <clientSecret=env:VAR|clientSecret=@file>',
      'the Consumer Secret, when the app has "Require Secret for Web Server Flow"',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--device', 'use the device flow: enter a code on any device instead of a browser here')
    .option('--allow-custom-hosts', "accept a login host that is not Salesforce's (the emulator, a proxy)")
    .option('--no-open', 'print the URL without opening a browser')
    .option('--timeout <seconds>', 'how long to wait for the browser or the code', '300')
    .action(async (name: string, options: ConnectOptions) => {
      const port = wholeNumber('--port', options.port, 1, 65535);
      const timeoutSeconds = wholeNumber('--timeout', options.timeout, 1, 86_400);
      const secrets = new Map(options.secret.map((spec) => readSecretSpec(spec, io.env)));
      for (const secretName of secrets.keys()) {
        if (secretName !== CredentialNames.clientSecret) {
          throw new InvalidInputError(
            `connect takes only --secret ${CredentialNames.clientSecret}=…; "${secretName}" is not used by the browser login.`,
          );
        }
      }
      const runtime = await openRuntime({ env: io.env, migrate: true });
      try {
        const plan = await planConnection(runtime, name, options);
        const clientSecret = secrets.get(CredentialNames.clientSecret) ?? plan.storedClientSecret;
        const session = await untilAnswered(timeoutSeconds, (signal) =>
          options.device
            ? deviceLogin(io, plan.loginUrl, plan.clientId, signal)
            : browserLogin(io, {
                loginUrl: plan.loginUrl,
                clientId: plan.clientId,
                port,
                open: options.open,
                signal,
                ...(clientSecret !== undefined ? { clientSecret } : {}),
              }),
        );
        const connection = await storeConnection(
          runtime,
          name,
          plan,
          session,
          secrets.get(CredentialNames.clientSecret),
        );
        io.stdout.write(
          `Connected "${name}" as user ${session.userId} of org ${session.orgId}; instance ${session.instanceUrl}, identity ${session.identityUrl}. ` +
            `The refresh token is stored encrypted (scopes: ${session.scopes.join(' ') || CONNECT_SCOPES.join(' ')}).\n`,
        );
        if (plan.previousRefreshToken !== undefined && plan.previousRefreshToken !== session.refreshToken) {
          await revokePrevious(io, runtime, plan);
        }
        const report = await runtime
          .connectorOf(connection)
          .validate(
            createRunContext({ credentials: runtime.credentialsOf(connection), logger: runtime.logger }),
          );
        io.stdout.write(formatValidationReport(report));
        if (!report.ok) throw new CliExit(1);
      } finally {
        await runtime.close();
      }
    });
}

/**
 * Runs the login with a signal that Ctrl-C, SIGTERM or the deadline abort; an abort's reason (which
 * says nothing was stored) replaces whatever error the login then failed with. Only the login is
 * bounded: once Salesforce has answered, storing and validating run to their end.
 */
async function untilAnswered<T>(
  timeoutSeconds: number,
  login: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const interrupt = (): void =>
    controller.abort(new AbortedError('Cancelled (Ctrl-C) before Salesforce answered: nothing was stored.'));
  const timer = setTimeout(
    () =>
      controller.abort(
        // Not an interruption: nobody finished the login in time, and the same command may work later.
        new TransientError(
          `No answer from Salesforce within ${timeoutSeconds} s (the browser was not completed): nothing was stored. Run the command again, or raise --timeout.`,
        ),
      ),
    timeoutSeconds * 1000,
  );
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    return await login(controller.signal);
  } catch (error) {
    throw controller.signal.aborted && controller.signal.reason instanceof Error
      ? controller.signal.reason
      : error;
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

interface ConnectionPlan {
  readonly existing: Connection | undefined;
  readonly config: JsonObject;
  readonly clientId: string;
  readonly loginUrl: string;
  readonly storedClientSecret: string | undefined;
  readonly previousRefreshToken: string | undefined;
}

/** The config the connection will have, checked against the connector before anyone logs in. */
async function planConnection(
  runtime: Runtime,
  name: string,
  options: ConnectOptions,
): Promise<ConnectionPlan> {
  const existing = await runtime.connections.getByName(name);
  if (existing && existing.connectorId !== 'salesforce') {
    throw new ConflictError(
      `Connection "${name}" is a ${existing.connectorId} connection, not Salesforce: pick another name.`,
    );
  }
  const current = existing?.config ?? {};
  const currentAuth = isObject(current['auth']) ? current['auth'] : {};
  const clientId =
    options.clientId ?? (typeof currentAuth['clientId'] === 'string' ? currentAuth['clientId'] : undefined);
  if (clientId === undefined) {
    throw new InvalidInputError(
      `--client-id is required for a new connection: copy the Consumer Key from Setup > App Manager > your connected app > View (see docs/salesforce.md).`,
    );
  }
  const config: JsonObject = {
    ...current,
    domain: options.domain ?? (typeof current['domain'] === 'string' ? current['domain'] : 'login'),
    auth: { flow: 'refresh-token', clientId },
    ...(options.allowCustomHosts ? { allowCustomHosts: true } : {}),
  };
  // Sandbox hosts whose "--" became "-", Lightning UI hosts and the like are refused here, before a login.
  runtime.registry.parseConfig({ name, connectorId: 'salesforce', config });
  const domain = parseOrgDomain(String(config['domain']), {
    allowCustomHosts: config['allowCustomHosts'] === true,
  });
  const credentials = existing ? runtime.credentialsOf(existing) : undefined;
  return {
    existing,
    config,
    clientId,
    loginUrl: domain.loginUrl,
    storedClientSecret: await credentials?.get(CredentialNames.clientSecret),
    previousRefreshToken: await credentials?.get(CredentialNames.refreshToken),
  };
}

async function browserLogin(
  io: CliIo,
  input: {
    readonly loginUrl: string;
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly port: number;
    readonly open: boolean;
    readonly signal: AbortSignal;
  },
): Promise<ConnectedSession> {
  const callback = await listenForCallback(input.port);
  try {
    const pkce = createPkcePair();
    const state = createState();
    const url = authorizeUrl({
      loginUrl: input.loginUrl,
      clientId: input.clientId,
      redirectUri: callback.redirectUri,
      state,
      codeChallenge: pkce.challenge,
      // Always the login and the scopes, as the help article describes the setup: a browser already
      // logged in as someone else must not connect that user silently.
      prompt: 'login consent',
    });
    await checkAuthorizeUrl(url, input.signal);
    io.stdout.write(
      `Log in to Salesforce and allow access in your browser. If it does not open, open this URL:\n\n  ${url}\n\n`,
    );
    if (input.open) openInBrowser(url);
    const request = await callback.next(input.signal);
    const query = request.query;
    if (query.get('state') !== state) {
      const message =
        'The answer in the browser does not belong to this login (state mismatch): it may come from an older login or another site. Nothing was stored; run the command again.';
      request.respond(false, message);
      throw new AuthError(message, { upstreamCode: 'state_mismatch' });
    }
    const error = query.get('error');
    if (error !== null) {
      const failure = authorizeCallbackError(error, query.get('error_description'));
      request.respond(false, failure.message);
      throw failure;
    }
    const code = query.get('code');
    if (code === null || code === '') {
      const message =
        'The callback carried neither a code nor an error. Nothing was stored; run the command again.';
      request.respond(false, message);
      throw new AuthError(message);
    }
    try {
      const session = await exchangeAuthorizationCode(
        { loginUrl: input.loginUrl },
        {
          code,
          codeVerifier: pkce.verifier,
          redirectUri: callback.redirectUri,
          clientId: input.clientId,
          ...(input.clientSecret !== undefined ? { clientSecret: input.clientSecret } : {}),
        },
        input.signal,
      );
      request.respond(
        true,
        `Logged in to org ${session.orgId}. Return to the terminal: accessledger is checking the connection.`,
      );
      return session;
    } catch (failure) {
      request.respond(false, failure instanceof Error ? failure.message : String(failure));
      throw failure;
    }
  } finally {
    await callback.close();
  }
}

async function deviceLogin(
  io: CliIo,
  loginUrl: string,
  clientId: string,
  signal: AbortSignal,
): Promise<ConnectedSession> {
  const device = await startDeviceAuthorization({ loginUrl }, clientId, signal);
  io.stdout.write(
    `On any device with a browser, open\n\n  ${device.verificationUri}\n\nlog in, enter the code ${device.userCode} and allow access. Waiting (checking every ${device.intervalSeconds} s)…\n`,
  );
  return pollDeviceAuthorization({ loginUrl }, clientId, device, signal);
}

/** The connection and its new credentials, in one transaction: all or nothing. */
async function storeConnection(
  runtime: Runtime,
  name: string,
  plan: ConnectionPlan,
  session: ConnectedSession,
  clientSecret: string | undefined,
): Promise<Connection> {
  return runtime.database.knex.transaction(async (trx) => {
    const store = new ConnectionStore(trx);
    const connection = plan.existing
      ? await store.update(plan.existing.id, { config: plan.config })
      : await store.create({ connectorId: 'salesforce', name, config: plan.config, schedule: null });
    const credentials = runtime.credentialsOf(connection, trx);
    await credentials.set(CredentialNames.refreshToken, session.refreshToken);
    if (clientSecret !== undefined) await credentials.set(CredentialNames.clientSecret, clientSecret);
    return connection;
  });
}

/** The token this login replaced still works at Salesforce until revoked; revoke it, and say if that failed. */
async function revokePrevious(io: CliIo, runtime: Runtime, plan: ConnectionPlan): Promise<void> {
  const previous = plan.previousRefreshToken;
  // The old token belongs to the old config (its login host); the connection now has the new one.
  const connector = plan.existing === undefined ? undefined : runtime.connectorOf(plan.existing);
  if (previous === undefined || connector === undefined || !isCredentialRevoker(connector)) return;
  const oldCredentials = {
    get: async (secretName: string) => (secretName === CredentialNames.refreshToken ? previous : undefined),
    set: async () => undefined,
  };
  try {
    const revoked = await connector.revokeCredentials(
      createRunContext({ credentials: oldCredentials, logger: runtime.logger }),
    );
    if (revoked !== undefined) io.stdout.write(`Previous login: revoked ${revoked}.\n`);
  } catch (error) {
    const reason = isAccessLedgerError(error) || error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `Warning: could not revoke the previous refresh token at Salesforce (${reason}); revoke it in Setup > Connected Apps OAuth Usage.\n`,
    );
  }
}

function wholeNumber(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${option} must be a whole number from ${min} to ${max}, got "${text}".`);
  }
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
