import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runToEnd, startCli } from '../test/cli-session.js';
import { openRuntime } from './runtime.js';

// `accessledger connect` without a browser: the device flow (Salesforce Help "OAuth 2.0 Device Flow
// for IoT Integration"; RFC 8628), the token's life (Help "OAuth 2.0 Refresh Token Flow for Renewed
// Sessions", "Refresh Token Rotation", "Revoke OAuth Tokens Programmatically"), `connections update`
// and every error a person meets in the web server flow. The person's side of the device flow is
// played over HTTP with the emulator's pages.

const PASSWORD = 'Device-Passw0rd';
let emulator: EmulatorHandle;
let dataRoot: string;
let port: number;
let app: { clientId: string; clientSecret: string };
let rotatingApp: { clientId: string; clientSecret: string };

const env = (): Record<string, string> => ({
  ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'),
  SF_CLIENT_SECRET: app.clientSecret,
  SF_ROTATING_SECRET: rotatingApp.clientSecret,
  LOG_LEVEL: 'silent',
});

const cli = (...argv: string[]) => runToEnd(argv, env());

async function connectionNames(): Promise<string> {
  return (await cli('connections', 'list')).stdout;
}

/** The person at a browser: the verification page, the user code, the login page, Allow or Deny. */
async function answerDeviceCode(userCode: string, decision: 'allow' | 'deny'): Promise<string> {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
  let cookie = '';
  const requestId = (html: string): string => /name="request_id" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const verification = await (
    await fetch(`${emulator.baseUrl}/setup/connect`, form({ user_code: userCode }))
  ).text();
  const login = await fetch(
    `${emulator.baseUrl}/services/oauth2/login`,
    form({ request_id: requestId(verification), username: emulator.adminUsername, password: PASSWORD }),
  );
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const consent = await login.text();
  expect(consent).toContain('Allow Access?');
  return (
    await fetch(
      `${emulator.baseUrl}/services/oauth2/consent`,
      form({ request_id: requestId(consent), decision }),
    )
  ).text();
}

async function connectWithDevice(name: string, clientId: string, secretEnv: string): Promise<string> {
  const run = startCli(
    [
      'connect',
      name,
      '--device',
      '--domain',
      emulator.baseUrl,
      '--allow-custom-hosts',
      '--client-id',
      clientId,
      '--secret',
      `clientSecret=env:${secretEnv}`,
    ],
    env(),
  );
  await run.waitForOutput(/enter the code [A-Z]+/);
  const userCode = /enter the code ([A-Z]+)/.exec(run.stdout.value)?.[1] ?? '';
  expect(run.stdout.value).toContain(`${emulator.baseUrl}/setup/connect`);
  expect(await answerDeviceCode(userCode, 'allow')).toContain('connected');
  expect(await run.exitCode).toBe(0);
  expect(run.stdout.value).toContain('Connection is ready');
  return run.stdout.value;
}

async function storedRefreshToken(name: string): Promise<string> {
  const runtime = await openRuntime({ env: env() });
  try {
    return (await runtime.credentialsOf(await runtime.connectionNamed(name)).get('refreshToken')) ?? '';
  } finally {
    await runtime.close();
  }
}

async function refreshGrant(refreshToken: string, client: { clientId: string; clientSecret: string }) {
  const response = await fetch(`${emulator.baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-connect-cli-'));
  emulator = await startEmulator({
    org: generateOrg({ seed: 11, preset: 'tiny' }),
    loginPassword: PASSWORD,
    deviceFlowIntervalSeconds: 1,
  });
  port = await freePort();
  app = emulator.auth.apps.register({
    name: 'accessledger',
    callbackUrls: [`http://127.0.0.1:${port}/OauthRedirect`],
    scopes: ['api', 'refresh_token'],
    requirePkce: true,
    enableDeviceFlow: true,
  });
  rotatingApp = emulator.auth.apps.register({
    name: 'accessledger-rotating',
    scopes: ['api', 'refresh_token'],
    enableDeviceFlow: true,
    rotateRefreshTokens: true,
  });
  // The first command on a new data folder migrates it; do that before anything waits on output.
  expect((await cli('db', 'migrate')).code).toBe(0);
});

afterAll(async () => {
  await emulator?.close();
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
});

describe('connect --device', { timeout: 120_000 }, () => {
  it('prints the verification URL and user code, polls until the user allows, stores the token; a sync succeeds', async () => {
    await connectWithDevice('device', app.clientId, 'SF_CLIENT_SECRET');
    const sync = await cli('sync', 'device');
    expect(sync.code).toBe(0);
    // Progress lines go to stderr; an error would start with "accessledger:".
    expect(sync.stderr).not.toContain('accessledger:');
    expect(sync.stdout).toMatch(/Snapshot #\d+ of "device"/);
  });

  it('says so and stores nothing when the user denies at the verification page', async () => {
    const run = startCli(
      [
        'connect',
        'device-denied',
        '--device',
        '--domain',
        emulator.baseUrl,
        '--allow-custom-hosts',
        '--client-id',
        app.clientId,
      ],
      env(),
    );
    await run.waitForOutput(/enter the code [A-Z]+/);
    await answerDeviceCode(/enter the code ([A-Z]+)/.exec(run.stdout.value)?.[1] ?? '', 'deny');
    expect(await run.exitCode).toBe(4);
    expect(run.stderr.value).toContain('Access was denied at the verification page. Nothing was stored');
    expect(await connectionNames()).not.toContain('device-denied');
  });
});

describe('the refresh token over the life of a connection', { timeout: 120_000 }, () => {
  it('stores the new refresh token each time an app with rotation hands one out', async () => {
    await connectWithDevice('rotating', rotatingApp.clientId, 'SF_ROTATING_SECRET');
    const first = await storedRefreshToken('rotating');
    expect((await cli('sync', 'rotating')).code).toBe(0);
    const second = await storedRefreshToken('rotating');
    expect(second).not.toBe(first);
    // The spent token is refused; the stored one keeps working run after run.
    expect((await refreshGrant(first, rotatingApp)).body.error).toBe('invalid_grant');
    expect((await cli('sync', 'rotating')).code).toBe(0);
    expect(await storedRefreshToken('rotating')).not.toBe(second);
  });

  it('connecting an existing connection again stores the new token and revokes the one it replaces', async () => {
    await connectWithDevice('again', app.clientId, 'SF_CLIENT_SECRET');
    const first = await storedRefreshToken('again');
    const output = await connectWithDevice('again', app.clientId, 'SF_CLIENT_SECRET');
    expect(output).toContain('Previous login: revoked the refresh token.');
    expect(await storedRefreshToken('again')).not.toBe(first);
    expect((await refreshGrant(first, app)).body.error).toBe('invalid_grant');
  });

  it('fails the sync with AUTH_FAILED and "run `accessledger connect <name>` again" once the token is revoked', async () => {
    await connectWithDevice('revoked', app.clientId, 'SF_CLIENT_SECRET');
    const token = await storedRefreshToken('revoked');
    const revoke = await fetch(`${emulator.baseUrl}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(revoke.status).toBe(200);
    const sync = await cli('sync', 'revoked');
    expect(sync.code).toBe(4);
    expect(sync.stderr).toContain('[AUTH_FAILED]');
    expect(sync.stderr).toContain('run `accessledger connect revoked` again');
    expect((await cli('connections', 'show', 'revoked')).stdout).toMatch(
      /last run:\s+#\d+ sync failed .*AUTH_FAILED/,
    );
  });

  it('connections remove revokes the refresh token at Salesforce before deleting it', async () => {
    await connectWithDevice('to-remove', app.clientId, 'SF_CLIENT_SECRET');
    const token = await storedRefreshToken('to-remove');
    expect((await refreshGrant(token, app)).status).toBe(200);
    const removed = await cli('connections', 'remove', 'to-remove', '--yes');
    expect(removed.stdout).toContain('Revoked the refresh token of "to-remove" at the application.');
    expect(removed.stdout).toContain('Removed connection "to-remove"');
    expect((await refreshGrant(token, app)).body.error).toBe('invalid_grant');
  });

  it('connections remove says so when revocation failed, and still removes the connection', async () => {
    await connectWithDevice('unreachable', app.clientId, 'SF_CLIENT_SECRET');
    const token = await storedRefreshToken('unreachable');
    const dead = await freePort();
    const config = JSON.stringify({
      domain: `http://127.0.0.1:${dead}`,
      allowCustomHosts: true,
      auth: { flow: 'refresh-token', clientId: app.clientId },
    });
    // Credentials are bound to their host: pointing the connection elsewhere gives them again.
    const moved = await runToEnd(
      [
        'connections',
        'update',
        'unreachable',
        '--config',
        config,
        '--secret',
        'clientSecret=env:SF_CLIENT_SECRET',
        '--secret',
        'refreshToken=env:SF_REFRESH_TOKEN',
      ],
      { ...env(), SF_REFRESH_TOKEN: token },
    );
    expect(moved.code).toBe(0);
    const removed = await cli('connections', 'remove', 'unreachable', '--yes');
    expect(removed.code).toBe(0);
    expect(removed.stderr).toContain(
      'Warning: revoking the credentials of "unreachable" at the application failed',
    );
    expect(removed.stderr).toContain('revoke them by hand');
    expect(await connectionNames()).not.toContain('unreachable');
    expect((await refreshGrant(token, app)).status).toBe(200);
  });
});

describe('connections update and show', { timeout: 120_000 }, () => {
  it('replaces the config (checked first) and a credential, and keeps the history', async () => {
    await connectWithDevice('kept', app.clientId, 'SF_CLIENT_SECRET');
    expect((await cli('sync', 'kept')).code).toBe(0);
    const before = (await cli('snapshots', 'kept')).stdout;
    expect(before).toMatch(/#\d+/);

    const invalid = await cli(
      'connections',
      'update',
      'kept',
      '--config',
      '{"domain":"acme.lightning.force.com","auth":{"flow":"refresh-token","clientId":"x"}}',
    );
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('Lightning UI host');
    const config = {
      domain: emulator.baseUrl,
      allowCustomHosts: true,
      concurrency: 2,
      auth: { flow: 'refresh-token', clientId: app.clientId },
    };
    const updated = await cli(
      'connections',
      'update',
      'kept',
      '--config',
      JSON.stringify(config),
      '--secret',
      'clientSecret=env:SF_CLIENT_SECRET',
    );
    expect(updated.stderr).toBe('');
    expect(updated.stdout).toContain('Updated "kept": config, credential clientSecret. Its history is kept.');
    expect((await cli('snapshots', 'kept')).stdout).toBe(before);
    expect((await cli('sync', 'kept')).code).toBe(0);

    const show = (await cli('connections', 'show', 'kept')).stdout;
    expect(show).toContain('"concurrency":2');
    expect(show).toMatch(/credentials:\s+clientSecret, refreshToken/);
    expect(show).toMatch(/key:\s+fingerprint [0-9a-f]{16} \(key file .*db\/secret\.key\)/);
    expect(show).toMatch(/last run:\s+#\d+ sync succeeded/);
    expect(show).not.toContain(app.clientSecret);
    expect(show).not.toContain(await storedRefreshToken('kept'));

    // Credentials are bound to their host (issue 8): a config for another host must bring them again.
    const moved = await cli(
      'connections',
      'update',
      'kept',
      '--config',
      JSON.stringify({ ...config, domain: emulator.baseUrl.replace('127.0.0.1', 'localhost') }),
    );
    expect(moved.code).toBe(3);
    expect(moved.stderr).toContain('never move to another host');
    expect(moved.stderr).toContain('--secret clientSecret=env:VARIABLE --secret refreshToken=env:VARIABLE');
    expect((await cli('connections', 'show', 'kept')).stdout).toContain(`"domain":"${emulator.baseUrl}"`);
    expect((await cli('sync', 'kept')).code).toBe(0);
  });

  it('db status says where the key file is: inside the data folder', async () => {
    const status = await cli('db', 'status');
    expect(status.stdout).toContain(`Key:      key file ${join(dataRoot, 'db', 'secret.key')}, fingerprint`);
  });
});

describe(
  'connect: what a person can get wrong, each with a clear message and nothing stored',
  { timeout: 120_000 },
  () => {
    const webArgs = (name: string, extra: string[] = []): string[] => [
      'connect',
      name,
      '--domain',
      emulator.baseUrl,
      '--allow-custom-hosts',
      '--client-id',
      app.clientId,
      '--secret',
      'clientSecret=env:SF_CLIENT_SECRET',
      '--port',
      String(port),
      '--no-open',
      ...extra,
    ];

    it('the port is taken', async () => {
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      try {
        const outcome = await runToEnd(webArgs('port-taken'), env());
        expect(outcome.code).toBe(3);
        expect(outcome.stderr).toContain(`Port ${port} on 127.0.0.1 is in use`);
        expect(outcome.stderr).toContain('pass --port N');
      } finally {
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
      }
      expect(await connectionNames()).not.toContain('port-taken');
    });

    it('the callback never comes (timeout)', async () => {
      const outcome = await runToEnd(webArgs('timed-out', ['--timeout', '2']), env());
      expect(outcome.code).toBe(7);
      expect(outcome.stderr).toContain('No answer from Salesforce within 2 s');
      expect(outcome.stderr).toContain('nothing was stored');
      expect(await connectionNames()).not.toContain('timed-out');
    });

    it('Ctrl-C while waiting for the browser', async () => {
      const run = startCli(webArgs('interrupted'), env());
      await run.waitForOutput(/services\/oauth2\/authorize\?/);
      process.emit('SIGINT');
      expect(await run.exitCode).toBe(130);
      expect(run.stderr.value).toContain(
        'Cancelled (Ctrl-C) before Salesforce answered: nothing was stored.',
      );
      expect(await connectionNames()).not.toContain('interrupted');
    });

    it('a callback whose state does not match', async () => {
      const run = startCli(webArgs('forged'), env());
      await run.waitForOutput(/services\/oauth2\/authorize\?/);
      const page = await fetch(`http://127.0.0.1:${port}/OauthRedirect?code=aPrxforged&state=not-ours`);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('state mismatch');
      expect(await run.exitCode).toBe(4);
      expect(run.stderr.value).toContain('does not belong to this login (state mismatch)');
      expect(await connectionNames()).not.toContain('forged');
    });

    it('a redirect URI the connected app does not list', async () => {
      const other = await freePort();
      const outcome = await runToEnd(
        webArgs('wrong-callback').map((arg) => (arg === String(port) ? String(other) : arg)),
        env(),
      );
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain(
        `does not list http://127.0.0.1:${other}/OauthRedirect as a callback URL (redirect_uri_mismatch)`,
      );
      expect(outcome.stderr).toContain('Setup > App Manager');
      expect(await connectionNames()).not.toContain('wrong-callback');
    });

    it('a sandbox host whose "--" was shortened to "-"', async () => {
      const outcome = await cli(
        'connect',
        'sandbox',
        '--domain',
        'acme-uat.sandbox.my.salesforce.com',
        '--client-id',
        app.clientId,
        '--no-open',
      );
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain('Did you mean acme--uat.sandbox.my.salesforce.com?');
      expect(await connectionNames()).not.toContain('sandbox');
    });

    it('a Lightning UI host', async () => {
      const outcome = await cli(
        'connect',
        'lightning',
        '--domain',
        'https://acme.lightning.force.com/lightning/page/home',
        '--client-id',
        app.clientId,
        '--no-open',
      );
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain(
        'is the Lightning UI host, not a login or API host: use acme.my.salesforce.com',
      );
      expect(await connectionNames()).not.toContain('lightning');
    });

    it('a new connection without --client-id', async () => {
      const outcome = await cli('connect', 'no-client', '--domain', 'login', '--no-open');
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain('--client-id is required for a new connection');
    });
  },
);
