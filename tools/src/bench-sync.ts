/**
 * Prints how long a full Salesforce sync of an emulated org takes, how many
 * API calls it makes and how much memory the sync side holds, for a preset
 * (tiny, demo, large) or a user count.
 *
 * Run: npm run bench:sync -- --preset large [--concurrency 4] [--latency 20]
 */
import 'reflect-metadata';
import { createRunContext, InMemoryCredentialStore } from '@accessledger/core';
import {
  CredentialNames,
  OAuthSalesforceClientFactory,
  SalesforceConnector,
  salesforceConfigSchema,
} from '@accessledger/connector-salesforce';
import { generateOrg, startEmulator, type PresetName } from '@accessledger/salesforce-emulator';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const preset = (option('preset') ?? 'demo') as PresetName;
  const users = option('users');
  const concurrency = Number(option('concurrency') ?? 4);
  const latencyMs = Number(option('latency') ?? 0);

  const generated = performance.now();
  const org = generateOrg({ seed: 1, ...(users ? { users: Number(users) } : { preset }) });
  console.log(
    `org ${users ? `${users} users` : preset}: generated in ${Math.round(performance.now() - generated)} ms`,
  );
  const emulator = await startEmulator({ org, faults: { latencyMs } });
  try {
    const config = salesforceConfigSchema.parse({
      domain: emulator.baseUrl,
      allowCustomHosts: true,
      auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
      concurrency,
    });
    const connector = new SalesforceConnector(config, new OAuthSalesforceClientFactory(config));
    const ctx = createRunContext({
      credentials: new InMemoryCredentialStore({
        [CredentialNames.clientSecret]: emulator.connectedApp.clientSecret,
      }),
    });
    const callsBefore = org.apiUsage.used();
    const counts = { account: 0, entitlement: 0, grant: 0, activity: 0 };
    let peakHeap = process.memoryUsage().heapUsed;
    const heapAtStart = peakHeap;
    const started = performance.now();
    for await (const item of connector.sync(ctx)) {
      counts[item.kind] += 1;
      if ((counts.grant + counts.account) % 5_000 === 0) {
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
    }
    const elapsedMs = performance.now() - started;
    const items = counts.account + counts.entitlement + counts.grant + counts.activity;
    console.log(
      `sync: ${Math.round(elapsedMs)} ms, ${org.apiUsage.used() - callsBefore} API calls (concurrency ${concurrency}, latency ${latencyMs} ms)`,
    );
    console.log(
      `items: ${counts.account} accounts, ${counts.entitlement} entitlements, ${counts.grant} grants, ${counts.activity} activity (${Math.round(items / (elapsedMs / 1000))} items/s)`,
    );
    console.log(
      `heap: ${megabytes(heapAtStart)} before the sync (the emulated org lives in this process too), peak ${megabytes(peakHeap)} during it`,
    );
  } finally {
    await emulator.close();
  }
}

await main();
