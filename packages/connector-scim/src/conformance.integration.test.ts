import { describeConnectorConformance } from '@accessledger/core/testing';
import type { ScimServerHandle, ScimServerOptions } from '@accessledger/scim-test-server';
import { afterAll, beforeAll } from 'vitest';
import {
  configFor,
  connectorFor,
  contextFor,
  credentialsFor,
  startProvider,
  type SeededDirectory,
} from '../test/scim-provider.js';

/** The same contract against providers that support much, little, and differently. */
const variants: { name: string; options: ScimServerOptions; fixture: 'group' | 'role' | 'entitlement' }[] = [
  { name: 'full provider (PATCH, filter, ETags), bearer', options: {}, fixture: 'group' },
  {
    name: 'minimal provider (no PATCH, no filter, 2 per page, If-Match required), basic auth',
    options: {
      patch: false,
      filter: false,
      maxResults: 2,
      requireIfMatch: true,
      auth: { kind: 'basic', username: 'svc', password: 'pw' },
    },
    fixture: 'role',
  },
  {
    name: 'cursor paging (RFC 9865), no ETags, OAuth client credentials',
    options: {
      cursor: true,
      etag: false,
      maxResults: 2,
      auth: { kind: 'oauth', clientId: 'accessledger', clientSecret: 's3cret' },
    },
    fixture: 'entitlement',
  },
];

for (const variant of variants) {
  let server: ScimServerHandle;
  let people: SeededDirectory;
  beforeAll(async () => {
    ({ server, people } = await startProvider(variant.options));
  });
  afterAll(async () => {
    await server.close();
  });

  describeConnectorConformance({
    name: `scim: ${variant.name}`,
    createConnector: () => connectorFor(configFor(server)),
    createContext: (signal) => contextFor(credentialsFor(server), signal),
    grantFixture: () =>
      variant.fixture === 'group'
        ? { accountExternalId: people.linus, entitlement: { type: 'group', externalId: people.platform } }
        : variant.fixture === 'role'
          ? { accountExternalId: people.grace, entitlement: { type: 'role', externalId: 'auditor' } }
          : { accountExternalId: people.linus, entitlement: { type: 'entitlement', externalId: 'billing' } },
  });
}
