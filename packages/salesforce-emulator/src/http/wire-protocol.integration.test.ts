import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { startEmulator } from './server.js';
import type { EmulatorHandle } from './server.js';

// Only `startEmulator` and global fetch: this is how any HTTP client sees the emulated org.
let emulator: EmulatorHandle;

beforeAll(async () => {
  emulator = await startEmulator({ org: generateOrg({ seed: 41, users: 5000 }), authorize: 'auto-approve' });
});
afterAll(async () => {
  await emulator.close();
  emulator.org.dispose();
});

describe('a general-purpose HTTP client against the emulator', () => {
  it('completes a PKCE web-server flow, pages 5,000 users, runs a composite batch and a SCIM PATCH', async () => {
    const base = emulator.baseUrl;
    const { clientId, clientSecret, redirectUris } = emulator.connectedApp;
    const redirectUri = String(redirectUris[0]);
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = await fetch(
      `${base}/services/oauth2/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'xyz',
      })}`,
      { redirect: 'manual' },
    );
    expect(authorize.status).toBe(302);
    const callback = new URL(String(authorize.headers.get('location')));
    expect(callback.searchParams.get('state')).toBe('xyz');
    const tokenResponse = await fetch(`${base}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: String(callback.searchParams.get('code')),
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    const token = (await tokenResponse.json()) as Record<string, string>;
    expect(Object.keys(token)).toEqual(
      expect.arrayContaining(['access_token', 'instance_url', 'id', 'token_type', 'issued_at', 'signature']),
    );
    expect(token).not.toHaveProperty('expires_in');
    const headers = { Authorization: `Bearer ${token.access_token}` };
    const instance = String(token.instance_url);

    let next: string | undefined =
      `/services/data/v63.0/query?q=${encodeURIComponent('SELECT Id, Username, IsActive, Profile.Name FROM User')}`;
    const ids = new Set<string>();
    let pages = 0;
    while (next !== undefined) {
      const response = await fetch(`${instance}${next}`, { headers });
      expect(response.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/\d+$/);
      const page = (await response.json()) as {
        totalSize: number;
        done: boolean;
        nextRecordsUrl?: string;
        records: { Id: string }[];
      };
      expect(page.totalSize).toBe(5001);
      page.records.forEach((record) => ids.add(record.Id));
      next = page.nextRecordsUrl;
      pages++;
    }
    expect([ids.size, pages]).toEqual([5001, 3]);

    const [firstId, secondId] = [...ids].slice(1, 3);
    const batch = await fetch(`${instance}/services/data/v63.0/composite/batch`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        batchRequests: [
          { method: 'GET', url: `v63.0/sobjects/User/${String(firstId)}?fields=Username` },
          {
            method: 'PATCH',
            url: `v63.0/sobjects/User/${String(secondId)}`,
            richInput: { Title: 'Batch Title' },
          },
        ],
      }),
    });
    const batchBody = (await batch.json()) as {
      hasErrors: boolean;
      results: { statusCode: number; result: unknown }[];
    };
    expect(batchBody.hasErrors).toBe(false);
    expect(batchBody.results.map((result) => result.statusCode)).toEqual([200, 204]);
    expect(batchBody.results[0]?.result).toMatchObject({ attributes: { type: 'User' }, Id: firstId });

    const scim = await fetch(`${instance}/services/scim/v2/Users/${String(secondId)}`, {
      method: 'PATCH',
      headers: { ...headers, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    });
    const scimUser = (await scim.json()) as { id: string; active: boolean; schemas: string[]; title: string };
    expect(scim.status).toBe(200);
    expect([scimUser.id, scimUser.active, scimUser.title]).toEqual([secondId, false, 'Batch Title']);
    expect(scimUser.schemas).toContain('urn:ietf:params:scim:schemas:core:2.0:User');
  });
});
