import { describe, expect, it } from 'vitest';
import { EventLoopTurns } from './event-loop-turns.js';

/** An async stream whose items are all at hand: its reader is resumed in microtasks only. */
async function* itemsAtHand(durationMs: number): AsyncGenerator<number> {
  const end = performance.now() + durationMs;
  let item = 0;
  while (performance.now() < end) yield (item += 1);
}

/** How many times a repeating setImmediate ran while `read` consumed the stream. */
async function loopTurnsDuring(read: () => Promise<void>): Promise<number> {
  let turns = 0;
  let reading = true;
  const tick = (): void => {
    turns += 1;
    if (reading) setImmediate(tick);
  };
  setImmediate(tick);
  await read();
  reading = false;
  const during = turns;
  await new Promise((resolve) => setImmediate(resolve));
  return during;
}

describe('EventLoopTurns', () => {
  it('lets the event loop run during a long stretch of microtasks', async () => {
    const turns = new EventLoopTurns(5);
    const during = await loopTurnsDuring(async () => {
      for await (const _ of itemsAtHand(100)) {
        const turn = turns.take();
        if (turn) await turn;
      }
    });
    // About 100 / 5 turns; some slack for a loaded machine.
    expect(during).toBeGreaterThanOrEqual(5);
  });

  it('is needed: without it the loop does not run until the stream is read', async () => {
    const during = await loopTurnsDuring(async () => {
      for await (const _ of itemsAtHand(50)) {
        // Nothing but microtasks.
      }
    });
    expect(during).toBe(0);
  });

  it('takes no turn while the stretch is short', async () => {
    const turns = new EventLoopTurns(60_000);
    let waited = 0;
    for (let item = 0; item < 10_000; item += 1) {
      const turn = turns.take();
      if (turn) {
        waited += 1;
        await turn;
      }
    }
    expect(waited).toBe(0);
  });
});
