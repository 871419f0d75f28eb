/**
 * Prints how long the `large` emulated org takes to generate, how much memory it
 * holds, and how many 2,000-row query pages per second the emulator serves over
 * HTTP for User and PermissionSetAssignment.
 *
 * Run: npm run bench:emulator
 */
import { generateOrg, startEmulator } from '@accessledger/salesforce-emulator';

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function drain(
  baseUrl: string,
  token: string,
  soql: string,
): Promise<{ pages: number; rows: number; ms: number }> {
  const started = performance.now();
  let next: string | undefined = `/services/data/v63.0/query?q=${encodeURIComponent(soql)}`;
  let pages = 0;
  let rows = 0;
  while (next !== undefined) {
    const response = await fetch(`${baseUrl}${next}`, { headers: { Authorization: `Bearer ${token}` } });
    const page = (await response.json()) as { records: unknown[]; nextRecordsUrl?: string };
    if (!response.ok) throw new Error(`query failed: ${JSON.stringify(page)}`);
    pages++;
    rows += page.records.length;
    next = page.nextRecordsUrl;
  }
  return { pages, rows, ms: performance.now() - started };
}

async function main(): Promise<void> {
  const heapBefore = process.memoryUsage().heapUsed;
  const generationStarted = performance.now();
  const org = generateOrg({ seed: 1, preset: 'large' });
  const generationMs = performance.now() - generationStarted;
  globalThis.gc?.();
  const memory = process.memoryUsage();
  console.log(`large org generated in ${(generationMs / 1000).toFixed(2)} s`);
  for (const name of ['User', 'PermissionSetAssignment', 'GroupMember', 'UserPackageLicense']) {
    console.log(`  ${name.padEnd(26)} ${org.store.count(name).toLocaleString('en-US')}`);
  }
  console.log(
    `  heap used by the org       ${megabytes(memory.heapUsed - heapBefore)} (rss ${megabytes(memory.rss)})`,
  );

  const emulator = await startEmulator({ org });
  const tokenResponse = await fetch(`${emulator.baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emulator.connectedApp.clientId,
      client_secret: emulator.connectedApp.clientSecret,
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const queries = [
    'SELECT Id, Email, Username, FirstName, LastName, IsActive, LastLoginDate, UserRoleId, ProfileId FROM User',
    'SELECT Id, AssigneeId, PermissionSetId FROM PermissionSetAssignment',
  ];
  for (const soql of queries) {
    const result = await drain(emulator.baseUrl, token, soql);
    const seconds = result.ms / 1000;
    console.log(`${soql.slice(soql.indexOf('FROM'))}:`);
    console.log(
      `  ${result.pages} pages, ${result.rows.toLocaleString('en-US')} rows in ${seconds.toFixed(2)} s: ` +
        `${(result.pages / seconds).toFixed(1)} pages/s, ${Math.round(result.rows / seconds).toLocaleString('en-US')} rows/s`,
    );
  }
  await emulator.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
