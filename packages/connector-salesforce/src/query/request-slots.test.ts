import { describe, expect, it } from 'vitest';
import { RequestSlots } from './request-slots.js';

async function* numbered(count: number, onFetch: () => void): AsyncGenerator<number> {
  for (let page = 0; page < count; page += 1) {
    onFetch();
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield page;
  }
}

describe('RequestSlots', () => {
  it('holds a slot from a page request until the next page is asked for', async () => {
    const slots = new RequestSlots(2);
    let fetched = 0;
    const first = slots.pages(numbered(5, () => (fetched += 1)))[Symbol.asyncIterator]();
    const second = slots.pages(numbered(5, () => (fetched += 1)))[Symbol.asyncIterator]();
    const third = slots.pages(numbered(5, () => (fetched += 1)))[Symbol.asyncIterator]();
    expect((await first.next()).value).toBe(0);
    expect((await second.next()).value).toBe(0);
    // Both slots are held by pages not yet taken further: the third read waits.
    let thirdDone = false;
    const waiting = third.next().then((step) => {
      thirdDone = true;
      return step;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([fetched, thirdDone]).toEqual([2, false]);
    // Asking the first read for more frees its slot, which the waiting read takes first.
    const firstNext = first.next();
    expect((await waiting).value).toBe(0);
    await second.return(undefined);
    expect((await firstNext).value).toBe(1);
    await first.return(undefined);
    await third.return(undefined);
  });

  it('releases the slot of a read that fails or is abandoned', async () => {
    const slots = new RequestSlots(1);
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('network down');
    }
    const reads = slots.pages(failing())[Symbol.asyncIterator]();
    await reads.next();
    await expect(reads.next()).rejects.toThrow('network down');
    expect(await slots.run(async () => 'free again')).toBe('free again');
    const abandoned = slots.pages(numbered(3, () => undefined))[Symbol.asyncIterator]();
    await abandoned.next();
    await abandoned.return(undefined);
    expect(await slots.run(async () => 'free again')).toBe('free again');
  });

  it('gives a freed slot to a request asked for first before those already waiting', async () => {
    const slots = new RequestSlots(1);
    const order: string[] = [];
    let release = (): void => undefined;
    const holding = slots.run(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = ['a', 'b'].map((name) => slots.run(async () => void order.push(name)));
    const urgent = slots.run(async () => void order.push('first'), { first: true });
    // Once the holder runs (it has the only slot) and the others wait.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual([]);
    release();
    await Promise.all([holding, ...queued, urgent]);
    expect(order).toEqual(['first', 'a', 'b']);
  });
});
