import { describe, expect, it } from 'vitest';
import { batchedSyncItems, itemBatches, SYNC_ITEM_BATCHES, syncItemBatches } from './connector.js';
import { AbortedError } from './errors.js';
import type { SyncItem } from './model.js';

const grant = (index: number): SyncItem => ({
  kind: 'grant',
  grant: {
    accountExternalId: `a${index}`,
    entitlement: { type: 'role', externalId: `r${index}` },
    via: null,
    grantedAt: null,
    expiresAt: null,
    attributes: {},
  },
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('batched sync items', () => {
  const batches = [[grant(1), grant(2)], [], [grant(3)]];
  let started = 0;
  const stream = batchedSyncItems(async function* () {
    started += 1;
    for (const batch of batches) yield batch;
  }, new AbortController().signal);

  it('reads item by item as the same items in the same order as the batches', async () => {
    expect(await collect(stream)).toEqual([grant(1), grant(2), grant(3)]);
  });

  it('hands a reader that asks the batches themselves, started anew by each read', async () => {
    const before = started;
    const read = syncItemBatches(stream);
    expect(read).toBeDefined();
    expect(await collect(read as AsyncIterable<readonly SyncItem[]>)).toEqual(batches);
    expect(await collect(stream)).toHaveLength(3);
    expect(started).toBe(before + 2);
    expect(typeof stream[SYNC_ITEM_BATCHES]).toBe('function');
  });

  it('read item by item, hands out no item of a batch once the signal has fired', async () => {
    const controller = new AbortController();
    const aborting = batchedSyncItems(async function* () {
      yield [grant(1), grant(2), grant(3)];
    }, controller.signal);
    const iterator = aborting[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual(grant(1));
    controller.abort(new Error('stop'));
    await expect(iterator.next()).rejects.toBeInstanceOf(AbortedError);
  });

  it('reads any stream a batch at a time: the batches offered, or the items one per batch', async () => {
    expect(await collect(itemBatches(stream))).toEqual(batches);
    async function* plain(): AsyncGenerator<SyncItem> {
      yield grant(1);
      yield grant(2);
    }
    const ones: SyncItem[][] = [];
    for await (const batch of itemBatches(plain())) ones.push([...batch]);
    expect(ones).toEqual([[grant(1)], [grant(2)]]);
  });

  it('says there are no batches for a stream that offers none', () => {
    async function* plain(): AsyncGenerator<SyncItem> {
      yield grant(1);
    }
    expect(syncItemBatches(plain())).toBeUndefined();
  });
});
