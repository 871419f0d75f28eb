import { chmodSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FaultSettings } from './faults/fault-controller.js';
import { generateOrg } from './generator/generate-org.js';
import type { PresetName } from './generator/presets.js';
import { startEmulator } from './http/server.js';

const USAGE = `accessledger-emulator [--preset tiny|demo|large | --users N] [--seed N] [--port N]
                      [--latency MS] [--error-rate 0..1] [--drop-rate 0..1] [--lock-rate 0..1]
                      [--api-limit N] [--no-scim] [--password P] [--auth-file PATH]

Prints what you need to try each OAuth flow against the emulated org. With --auth-file it writes
that (including the JWT bearer private key) to PATH with mode 0600 instead of printing the secrets.`;

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number, got '${value}'\n${USAGE}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string' },
      users: { type: 'string' },
      seed: { type: 'string', default: '1' },
      port: { type: 'string', default: '0' },
      latency: { type: 'string' },
      'error-rate': { type: 'string' },
      'drop-rate': { type: 'string' },
      'lock-rate': { type: 'string' },
      'api-limit': { type: 'string' },
      'no-scim': { type: 'boolean', default: false },
      password: { type: 'string' },
      'auth-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const preset = values.preset as PresetName | undefined;
  if (preset !== undefined && !['tiny', 'demo', 'large'].includes(preset)) {
    throw new Error(`--preset must be tiny, demo or large, got '${preset}'\n${USAGE}`);
  }
  const users = numberOption('users', values.users);
  const seed = numberOption('seed', values.seed) ?? 1;
  const started = performance.now();
  const org = generateOrg({ seed, ...(users !== undefined ? { users } : { preset: preset ?? 'demo' }) });
  const faults: FaultSettings = {
    ...(values.latency !== undefined ? { latencyMs: numberOption('latency', values.latency) } : {}),
    ...(values['error-rate'] !== undefined
      ? { serverErrorRate: numberOption('error-rate', values['error-rate']) }
      : {}),
    ...(values['drop-rate'] !== undefined
      ? { dropConnectionRate: numberOption('drop-rate', values['drop-rate']) }
      : {}),
    ...(values['lock-rate'] !== undefined
      ? { lockRowRate: numberOption('lock-rate', values['lock-rate']) }
      : {}),
    ...(values['api-limit'] !== undefined
      ? { dailyApiLimit: numberOption('api-limit', values['api-limit']) }
      : {}),
  };
  if (values['no-scim'] === true) org.settings.scimEnabled = false;
  const emulator = await startEmulator({
    org,
    faults,
    port: numberOption('port', values.port) ?? 0,
    ...(values.password !== undefined ? { loginPassword: values.password } : {}),
  });
  console.log(`Salesforce emulator listening on ${emulator.baseUrl}`);
  console.log(
    `  org:            ${org.organizationId} (${org.store.count('User')} users, generated in ${Math.round(performance.now() - started)} ms)`,
  );
  const guide = authGuide(emulator);
  const authFile = values['auth-file'];
  if (authFile === undefined) {
    console.log(guide);
  } else {
    writeFileSync(authFile, `${guide}\n`, { mode: 0o600 });
    chmodSync(authFile, 0o600);
    console.log(
      `  how to log in:  written to ${authFile} (mode 0600: it holds the secrets and the JWT private key)`,
    );
  }
  // A line "stats" on stdin answers one JSON line of request counts (benchmarks read them).
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    if (chunk.split('\n').some((line) => line.trim() === 'stats')) {
      console.log(`stats ${JSON.stringify({ ...emulator.requestCounts, apiUsed: org.apiUsage.used() })}`);
    }
  });
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Everything a person needs to try each auth flow against this emulator, secrets included. */
function authGuide(emulator: Awaited<ReturnType<typeof startEmulator>>): string {
  const app = emulator.connectedApp;
  const base = emulator.baseUrl;
  return [
    '',
    'Connected app (Consumer Key / Secret)',
    `  client id:      ${app.clientId}`,
    `  client secret:  ${app.clientSecret}`,
    `  callback URLs:  ${app.redirectUris.join(', ')}`,
    `  scopes:         ${app.app.scopes.join(' ')}`,
    '',
    'Browser login (web server flow with PKCE, e.g. `accessledger connect`)',
    `  authorize URL:  ${base}/services/oauth2/authorize`,
    `  username:       ${emulator.adminUsername} (any active user of the org works)`,
    `  password:       ${emulator.loginPassword}`,
    `  try:            npx accessledger connect emulated --domain ${base} --allow-custom-hosts \\`,
    `                    --client-id ${app.clientId} --secret clientSecret=env:SF_CLIENT_SECRET`,
    '',
    'Device flow (no browser on this machine)',
    `  token URL:      POST ${base}/services/oauth2/token response_type=device_code&client_id=…`,
    `  verification:   ${base}/setup/connect (log in as above, enter the user code, Allow)`,
    `  try:            npx accessledger connect emulated --device --domain ${base} --allow-custom-hosts --client-id ${app.clientId}`,
    '',
    'Client credentials (run-as user: the admin)',
    `  token URL:      POST ${base}/services/oauth2/token grant_type=client_credentials`,
    '',
    `JWT bearer (aud ${base}, sub ${emulator.adminUsername}, iss the client id), signed with this key:`,
    app.privateKeyPem.trim(),
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
