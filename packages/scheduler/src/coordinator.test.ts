import { describe, expect, it } from 'vitest';
import { InProcessRunCoordinator } from './coordinator.js';

const slot = (second: number): Date => new Date(Date.UTC(2026, 10, 28, 12, 0, second));

describe('InProcessRunCoordinator', () => {
  it('gives each fire to one replica, once', async () => {
    const a = new InProcessRunCoordinator({ holder: 'a' });
    const b = new InProcessRunCoordinator({ holder: 'b', sharedWith: a });
    const first = await a.claim({ jobName: 'sync', fireAt: slot(0), leaseMs: 1_000 });
    const second = await b.claim({ jobName: 'sync', fireAt: slot(0), leaseMs: 1_000 });
    expect(first.claimed).toBe(true);
    expect(second).toMatchObject({
      claimed: false,
      refusal: 'fire-already-claimed',
      heldBy: { holder: 'a' },
    });
    if (first.claimed) await a.release(first.lease);
    // Released, yet the same fire is not run again.
    expect(await b.claim({ jobName: 'sync', fireAt: slot(0), leaseMs: 1_000 })).toMatchObject({
      claimed: false,
    });
    expect(await b.claim({ jobName: 'sync', fireAt: slot(1), leaseMs: 1_000 })).toMatchObject({
      claimed: true,
    });
  });

  it('lets another replica take the next fire once a silent holder lease expires', async () => {
    let now = slot(0).getTime();
    const a = new InProcessRunCoordinator({ holder: 'a', now: () => now });
    const b = new InProcessRunCoordinator({ holder: 'b', sharedWith: a });
    const held = await a.claim({ jobName: 'sync', fireAt: slot(0), leaseMs: 5_000 });
    now += 1_000;
    expect(await b.claim({ jobName: 'sync', fireAt: slot(1), leaseMs: 5_000 })).toMatchObject({
      claimed: false,
      refusal: 'job-running-elsewhere',
    });
    now += 5_000;
    const taken = await b.claim({ jobName: 'sync', fireAt: slot(6), leaseMs: 5_000 });
    expect(taken).toMatchObject({ claimed: true, lease: { holder: 'b' } });
    if (!held.claimed) throw new Error('the first claim should have succeeded');
    expect(await a.renew(held.lease)).toBeNull();
  });

  it('renews a lease that is still its own, even past expiry', async () => {
    let now = 0;
    const a = new InProcessRunCoordinator({ holder: 'a', now: () => now });
    const held = await a.claim({ jobName: 'sync', fireAt: slot(0), leaseMs: 100 });
    if (!held.claimed) throw new Error('the claim should have succeeded');
    now = 150;
    expect((await a.renew(held.lease))?.expiresAt.getTime()).toBe(250);
  });

  it('runs a manual request whenever nobody holds the job', async () => {
    const a = new InProcessRunCoordinator({ holder: 'a' });
    const first = await a.claim({ jobName: 'sync', fireAt: 'now', leaseMs: 1_000 });
    expect(await a.claim({ jobName: 'sync', fireAt: 'now', leaseMs: 1_000 })).toMatchObject({
      claimed: false,
      refusal: 'job-running-elsewhere',
    });
    if (first.claimed) await a.release(first.lease);
    expect(await a.claim({ jobName: 'sync', fireAt: 'now', leaseMs: 1_000 })).toMatchObject({
      claimed: true,
    });
  });
});
