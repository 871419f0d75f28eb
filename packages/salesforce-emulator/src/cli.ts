import { parseArgs } from 'node:util';
import type { FaultSettings } from './faults/fault-controller.js';
import { generateOrg } from './generator/generate-org.js';
import type { PresetName } from './generator/presets.js';
import { startEmulator } from './http/server.js';

const USAGE = `accessledger-emulator [--preset tiny|demo|large | --users N] [--seed N] [--port N]
                      [--latency MS] [--error-rate 0..1] [--drop-rate 0..1] [--lock-rate 0..1]
                      [--api-limit N] [--no-scim]`;

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
  const emulator = await startEmulator({ org, faults, port: numberOption('port', values.port) ?? 0 });
  console.log(`Salesforce emulator listening on ${emulator.baseUrl}`);
  console.log(
    `  org:            ${org.organizationId} (${org.store.count('User')} users, generated in ${Math.round(performance.now() - started)} ms)`,
  );
  console.log(`  admin username: ${emulator.adminUsername}`);
  console.log(`  client id:      ${emulator.connectedApp.clientId}`);
  console.log(`  client secret:  ${emulator.connectedApp.clientSecret}`);
  console.log(`  redirect URIs:  ${emulator.connectedApp.redirectUris.join(', ')}`);
  console.log(`  token URL:      ${emulator.baseUrl}/services/oauth2/token`);
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

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
