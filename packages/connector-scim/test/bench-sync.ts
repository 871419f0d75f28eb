/**
 * Prints how long a full SCIM sync takes against the test server, and how
 * many requests it makes: `node --conditions=@accessledger/source --import tsx
 * packages/connector-scim/test/bench-sync.ts [users] [groups] [maxResults]`.
 * A script that prints figures, not a test.
 */
import { collectSync } from '@accessledger/core/testing';
import { startScimServer } from '@accessledger/scim-test-server';
import { connectorFor, configFor, contextFor, credentialsFor } from './scim-provider.js';

const users = Number(process.argv[2] ?? 5000);
const groups = Number(process.argv[3] ?? 200);
const maxResults = Number(process.argv[4] ?? 100);
const server = await startScimServer({ maxResults });
const ids: string[] = [];
for (let index = 0; index < users; index += 1) {
  ids.push(
    server.store.create('User', {
      userName: `user${index}@example.com`,
      active: index % 10 !== 0,
      roles: [{ value: `role-${index % 7}` }],
    }).id,
  );
}
let previous: string | undefined;
for (let index = 0; index < groups; index += 1) {
  const members = ids.filter((_, position) => position % groups === index).map((value) => ({ value }));
  const group = server.store.create('Group', {
    displayName: `group ${index}`,
    members: previous !== undefined && index % 5 !== 0 ? [...members, { value: previous }] : members,
  });
  previous = group.id;
}
const connector = connectorFor(configFor(server, { pageSize: 1000 }));
const memoryBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const sync = await collectSync(connector, contextFor(credentialsFor(server)));
const seconds = (performance.now() - started) / 1000;
console.log(
  `${users} users, ${groups} groups (nested in chains of 5), maxResults ${maxResults}: ` +
    `${sync.accounts.length} accounts, ${sync.entitlements.length} entitlements, ${sync.grants.length} grants ` +
    `in ${seconds.toFixed(2)} s, ${server.requests.length} requests, ` +
    `${Math.round((sync.accounts.length + sync.entitlements.length + sync.grants.length) / seconds)} items/s, ` +
    `heap +${Math.round((process.memoryUsage().heapUsed - memoryBefore) / 1e6)} MB (items collected in memory by the bench)`,
);
await server.close();
