import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrg } from '../generator/generate-org.js';
import { startEmulator, type EmulatorHandle } from '../http/server.js';

/**
 * User.LastLoginDate is "the date and time when the user last successfully logged in", moved only
 * when 60 seconds have passed since the last one (Object Reference: "User"). A token grant is a login.
 */
describe('logins through OAuth set User.LastLoginDate', () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator({ org: generateOrg({ seed: 2, preset: 'tiny' }) });
  });
  afterAll(async () => emulator.close());

  async function token(): Promise<void> {
    const response = await fetch(`${emulator.baseUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emulator.connectedApp.clientId,
        client_secret: emulator.connectedApp.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
  }

  it('records the login of the user the token is issued to, at most once a minute', async () => {
    const admin = (): Record<string, unknown> => emulator.org.get(emulator.org.adminUserId) ?? {};
    const user = emulator.org.store.table('User').live.get(emulator.org.adminUserId);
    if (!user) throw new Error('no admin user');
    emulator.org.store.updateRaw(user, 'User', { LastLoginDate: '2020-01-01T00:00:00.000+0000' });
    const before = Date.now();
    await token();
    const first = String(admin()['LastLoginDate']);
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const at = new Date(first.replace('+0000', 'Z')).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now());
    await token();
    expect(admin()['LastLoginDate']).toBe(first);
  });
});
