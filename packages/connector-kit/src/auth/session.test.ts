import { AbortedError } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { SingleFlightSessionProvider } from './session.js';

describe('SingleFlightSessionProvider', () => {
  it('shares one grant among concurrent callers and among concurrent renewals', async () => {
    let grants = 0;
    const provider = new SingleFlightSessionProvider(async () => ({ token: `t${++grants}` }));
    const signal = new AbortController().signal;
    const sessions = await Promise.all([provider.current(signal), provider.current(signal)]);
    expect(grants).toBe(1);
    const stale = sessions[0]!;
    const renewed = await Promise.all([provider.renew(stale, signal), provider.renew(stale, signal)]);
    expect(grants).toBe(2);
    expect(renewed.map((session) => session.token)).toEqual(['t2', 't2']);
    // A caller still holding the old session gets the renewed one without another grant.
    expect((await provider.renew(stale, signal)).token).toBe('t2');
    expect(grants).toBe(2);
  });

  it('renews ahead of an announced expiry', async () => {
    let now = 0;
    let grants = 0;
    const provider = new SingleFlightSessionProvider(async () => ({ n: ++grants, expiresAt: now + 60_000 }), {
      expiresAt: (session) => session.expiresAt,
      now: () => now,
    });
    const signal = new AbortController().signal;
    await provider.current(signal);
    now = 20_000;
    expect((await provider.current(signal)).n).toBe(1);
    now = 31_000;
    expect((await provider.current(signal)).n).toBe(2);
  });

  it('rejects a waiting caller with AbortedError when its signal fires', async () => {
    let release: () => void = () => undefined;
    const provider = new SingleFlightSessionProvider(
      () => new Promise<{ n: number }>((resolve) => (release = () => resolve({ n: 1 }))),
    );
    const controller = new AbortController();
    const waiting = provider.current(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    release();
    expect((await provider.current(new AbortController().signal)).n).toBe(1);
  });
});
