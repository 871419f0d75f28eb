import { AbortedError } from '@accessledger/core';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwtBearerAssertion, SingleFlightSessionProvider, type SalesforceSession } from './session.js';

const never = new AbortController().signal;

function sessionNumber(n: number): SalesforceSession {
  return { accessToken: `token-${n}`, instanceUrl: 'https://acme.my.salesforce.com', identityUrl: 'id' };
}

describe('SingleFlightSessionProvider', () => {
  it('shares one grant between concurrent callers and between concurrent renewals', async () => {
    let grants = 0;
    let release: () => void = () => undefined;
    const provider = new SingleFlightSessionProvider(async () => {
      grants += 1;
      await new Promise<void>((resolve) => (release = resolve));
      return sessionNumber(grants);
    });
    const first = Promise.all([provider.current(never), provider.current(never), provider.current(never)]);
    release();
    const sessions = await first;
    expect(grants).toBe(1);
    expect(new Set(sessions.map((session) => session.accessToken))).toEqual(new Set(['token-1']));

    const renewals = Promise.all([
      provider.renew(sessions[0] as SalesforceSession, never),
      provider.renew(sessions[1] as SalesforceSession, never),
    ]);
    await Promise.resolve();
    release();
    expect((await renewals).map((session) => session.accessToken)).toEqual(['token-2', 'token-2']);
    expect(grants).toBe(2);
  });

  it('does not renew again when a newer session already replaced the stale one', async () => {
    let grants = 0;
    const provider = new SingleFlightSessionProvider(async () => sessionNumber(++grants));
    const stale = await provider.current(never);
    await provider.renew(stale, never);
    expect((await provider.renew(stale, never)).accessToken).toBe('token-2');
    expect(grants).toBe(2);
  });

  it('lets a caller give up on a slow grant through its signal', async () => {
    const provider = new SingleFlightSessionProvider(() => new Promise<SalesforceSession>(() => undefined));
    const controller = new AbortController();
    const pending = provider.current(controller.signal);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('signJwtBearerAssertion', () => {
  it('signs iss/sub/aud/exp with RS256, expiring within three minutes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = new Date('2026-11-28T12:00:00Z');
    const assertion = signJwtBearerAssertion({
      clientId: 'consumer-key',
      username: 'integration@acme.com',
      audience: 'https://login.salesforce.com',
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      now,
    });
    const [header, payload, signature] = assertion.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: 'consumer-key',
      sub: 'integration@acme.com',
      aud: 'https://login.salesforce.com',
    });
    expect((claims['exp'] as number) - now.getTime() / 1000).toBeLessThanOrEqual(180);
    expect(
      createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, signature, 'base64url'),
    ).toBe(true);
  });

  it('says what key it needs when the key is not one, without echoing it', () => {
    expect(() =>
      signJwtBearerAssertion({
        clientId: 'c',
        username: 'u',
        audience: 'a',
        privateKeyPem: 'not-a-key-SECRET',
      }),
    ).toThrow(/^(?!.*SECRET).*RSA private key \(PEM\)/);
  });
});
