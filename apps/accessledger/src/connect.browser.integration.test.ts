import 'reflect-metadata';
import { generateOrg, startEmulator, type EmulatorHandle } from '@accessledger/salesforce-emulator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteTitle, launchChromium, skipBrowser } from '../test/chromium.js';
import { freePort, runToEnd, startCli } from '../test/cli-session.js';

// The whole `accessledger connect` flow in a real browser against the emulated org: the web server
// flow with PKCE (Salesforce Help "OAuth 2.0 Web Server Flow for Web App Integration"), a loopback
// callback (RFC 8252 §7.3), the login page and the "Allow Access?" page.

const PASSWORD = 'Browser-Passw0rd';
let emulator: EmulatorHandle;
let browser: Browser;
let dataRoot: string;
let port: number;
let clientId: string;
let clientSecret: string;

const env = (): Record<string, string> => ({
  ACCESSLEDGER_DATA_DIR: join(dataRoot, 'db'),
  SF_CLIENT_SECRET: clientSecret,
  LOG_LEVEL: 'silent',
});

function connectArgs(name: string): string[] {
  return [
    'connect',
    name,
    '--domain',
    emulator.baseUrl,
    '--allow-custom-hosts',
    '--client-id',
    clientId,
    '--secret',
    'clientSecret=env:SF_CLIENT_SECRET',
    '--port',
    String(port),
    '--no-open',
  ];
}

const AUTHORIZE_URL = /http:\/\/127\.0\.0\.1:\d+\/services\/oauth2\/authorize\?\S+/;

describe.skipIf(skipBrowser)(
  browserSuiteTitle('accessledger connect in headless Chromium'),
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      dataRoot = mkdtempSync(join(tmpdir(), 'accessledger-connect-'));
      emulator = await startEmulator({
        org: generateOrg({ seed: 9, preset: 'tiny' }),
        loginPassword: PASSWORD,
      });
      port = await freePort();
      // A connected app as docs/salesforce.md tells a person to create it: this callback URL, api and
      // refresh_token, PKCE required, secret required for the web server and refresh token flows.
      const app = emulator.auth.apps.register({
        name: 'accessledger',
        callbackUrls: [`http://127.0.0.1:${port}/OauthRedirect`],
        scopes: ['api', 'refresh_token'],
        requirePkce: true,
      });
      clientId = app.clientId;
      clientSecret = app.clientSecret;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await emulator?.close();
      if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
    });

    it('prints the URL; the browser logs in and clicks Allow; the token is stored and a sync with it succeeds', async () => {
      const run = startCli(connectArgs('acme'), env());
      const url = await run.waitForOutput(AUTHORIZE_URL);
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
      expect(new URL(url).searchParams.get('scope')).toBe('api refresh_token');
      expect(new URL(url).searchParams.get('prompt')).toBe('login consent');

      const page = await browser.newPage();
      await page.goto(url);
      await page.fill('#username', emulator.adminUsername);
      await page.fill('#password', PASSWORD);
      await page.click('#Login');
      await page.waitForSelector('text=Allow Access?');
      expect(await page.textContent('#scopes')).toContain('Manage user data via APIs (api)');
      await page.click('button:has-text("Allow")');
      await page.waitForSelector('text=accessledger is connected to Salesforce');
      await page.close();

      expect(await run.exitCode).toBe(0);
      expect(run.stderr.value).toBe('');
      expect(run.stdout.value).toContain(`Connected "acme" as user`);
      expect(run.stdout.value).toContain(`instance ${emulator.baseUrl}`);
      expect(run.stdout.value).toContain('Connection is ready');

      const show = await runToEnd(['connections', 'show', 'acme'], env());
      expect(show.stdout).toMatch(/credentials:\s+clientSecret, refreshToken/);
      expect(show.stdout).not.toContain(clientSecret);

      const sync = await runToEnd(['sync', 'acme'], env());
      // Progress lines go to stderr; an error would start with "accessledger:".
      expect(sync.stderr).not.toContain('accessledger:');
      expect(sync.code).toBe(0);
      expect(sync.stdout).toMatch(/Snapshot #\d+ of "acme": \d+ accounts/);
    });

    it('another run clicks Deny: the message says so and nothing is stored', async () => {
      const run = startCli(connectArgs('denied'), env());
      const url = await run.waitForOutput(AUTHORIZE_URL);
      const page = await browser.newPage();
      await page.goto(url);
      await page.fill('#username', emulator.adminUsername);
      await page.fill('#password', 'wrong password');
      await page.click('#Login');
      await page.waitForSelector('text=Please check your username and password.');
      await page.fill('#password', PASSWORD);
      await page.click('#Login');
      await page.click('button:has-text("Deny")');
      await page.waitForSelector('text=accessledger could not connect');
      expect(await page.textContent('#message')).toContain('Access was denied');
      await page.close();

      expect(await run.exitCode).toBe(4);
      expect(run.stderr.value).toContain(
        'Access was denied in the browser (access_denied: end-user denied authorization)',
      );
      expect(run.stderr.value).toContain('Nothing was stored; run the command again and click Allow.');
      const list = await runToEnd(['connections', 'list'], env());
      expect(list.stdout).toContain('acme');
      expect(list.stdout).not.toContain('denied');
    });
  },
);
