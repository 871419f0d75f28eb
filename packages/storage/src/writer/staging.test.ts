import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { account, entitlement, grant, ref } from '../../test/fixtures.js';
import { EncodedBatch, itemHashes, StagingRows, stagingLine } from './encoded-batch.js';
import { CurrentVersions } from './current-versions.js';
import { hashPairsInline, WorkerHasher } from './item-hasher.js';
import { canonicalJson, copyField, stagedKinds } from './staging.js';
import { grantKey, type Grant, type JsonValue, type SyncItem } from '@accessledger/core';

const copyLine = (item: SyncItem, seq: number) => stagingLine(item, seq);

describe('copyField', () => {
  it('writes NULL as \\N and escapes what COPY text format treats specially', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField(true)).toBe('t');
    expect(copyField(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678Z');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes the same text whether keys come sorted or not (the fast path changes no stored hash)', () => {
    // The text the writer has always hashed: keys sorted by code unit at every depth, undefined skipped.
    const reference = (value: JsonValue | undefined): string | undefined => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value);
      if (Array.isArray(value)) return `[${value.map((entry) => reference(entry)).join(',')}]`;
      const parts = Object.keys(value)
        .sort()
        .filter((key) => value[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${reference(value[key])}`);
      return `{${parts.join(',')}}`;
    };
    const samples: JsonValue[] = [
      { a: 1, b: 'x', c: { d: true, e: [1, 'two', { f: null, g: -0 }] } },
      { b: 1, a: 2 },
      { zeta: 'z', alpha: null, mid: false, 10: 1, 2: 2 },
      { b: 1, a: { d: 1, c: 2 } },
      { 9: 'nine', 10: 'ten', a: 'letter' },
      { a: { z: 1, y: 2 }, b: [] },
      { A: 1, a: 2, _: 3, é: 4 },
      { skipped: undefined, kept: 'yes' } as unknown as JsonValue,
      [{ b: 2, a: 1 }, 'text', 3.5],
      'plain',
      42,
      {},
    ];
    for (const sample of samples) expect(canonicalJson(sample)).toBe(reference(sample));
  });
});

describe('attributes as staged', () => {
  it('are exactly canonicalJson escaped for COPY, whichever path writes them', () => {
    const texts = [
      'plain',
      '',
      'quo"te',
      'back\\slash',
      'tab\there',
      'new\nline',
      'Ä',
      '😀',
      '\u0001',
      '~',
      '\u007f',
    ];
    const keys = ['a', 'b', 'Z', '_', '10', '9', 'é', 'k"ey', 'assignmentId', 'accessKind'];
    const values: (JsonValue | undefined)[] = [
      ...texts,
      0,
      -0,
      1.5e-7,
      1e21,
      -12.25,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      true,
      false,
      null,
      undefined,
      { nested: 'x', a: 1 },
      [1, 'two'],
    ];
    let seed = 7;
    const next = (bound: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return (seed >>> 8) % bound;
    };
    for (let sample = 0; sample < 2_000; sample += 1) {
      const attributes: Record<string, JsonValue | undefined> = {};
      const count = next(5);
      for (let entry = 0; entry < count; entry += 1) {
        attributes[keys[next(keys.length)] ?? 'a'] = values[next(values.length)];
      }
      const item = entitlement('profile', '00e1', 'Admin', attributes as Record<string, JsonValue>);
      const staged = copyLine(item, 1).slice(0, -1).split('\t').at(-1);
      expect(staged).toBe(copyField(canonicalJson(attributes as JsonValue)));
    }
  });
});

describe('dates as staged', () => {
  it('are exactly what toISOString writes, in every year it writes with four digits and beyond', () => {
    const at = (year: number, ms = 0): Date => {
      const date = new Date(Date.UTC(2000, 0, 1) + ms);
      date.setUTCFullYear(year);
      return date;
    };
    const dates = [
      new Date(0),
      new Date('2026-01-02T03:04:05.678Z'),
      new Date('1999-12-31T23:59:59.999Z'),
      new Date('2024-02-29T12:00:00.010Z'),
      at(0),
      at(9, 1),
      at(999, 86_399_999),
      at(1000),
      new Date('9999-12-31T23:59:59.999Z'),
      // Outside four digits toISOString writes a sign and six digits.
      at(10_000),
      at(-1, 5),
      new Date(8.64e15),
      new Date(-8.64e15),
    ];
    for (let step = 0; step < 500; step += 1)
      dates.push(new Date(-62_000_000_000_000 + step * 987_654_321_987));
    for (const date of dates) {
      const line = copyLine(
        {
          kind: 'activity',
          activity: { accountExternalId: '005A', source: 'last_login', lastActivityAt: date },
        },
        1,
      );
      expect(line.slice(0, -1).split('\t').at(-1)).toBe(date.toISOString());
    }
  });
});

describe('stagingLine', () => {
  it('gives equal things equal hashes whatever their attribute key order, and changed things new content hashes', () => {
    const hashes = (line: string) => line.split('\t').slice(1, 3);
    const one = hashes(copyLine(account('005A', { attributes: { title: 'CFO', department: 'Finance' } }), 1));
    const reordered = hashes(
      copyLine(account('005A', { attributes: { department: 'Finance', title: 'CFO' } }), 2),
    );
    const changed = hashes(
      copyLine(account('005A', { attributes: { department: 'Finance', title: 'CEO' } }), 3),
    );
    expect(reordered).toEqual(one);
    expect(changed[0]).toBe(one[0]);
    expect(changed[1]).not.toBe(one[1]);
  });

  it('tells a direct grant from the same grant held through a group', () => {
    const permissionSet = ref('permission_set', '0PS1');
    const direct = copyLine(grant('005A', permissionSet), 1).split('\t')[1];
    const viaGroup = copyLine(grant('005A', permissionSet, ref('permission_set_group', '0PG1')), 1).split(
      '\t',
    )[1];
    expect(direct).toMatch(/^[0-9a-f]{32}$/);
    expect(viaGroup).not.toBe(direct);
  });
});

describe('grants as staged', () => {
  it('have the key grantKey spells and the columns copyField writes, whatever their text', () => {
    const odd = ['005\tA', 'Zoë', '漢字', 'back\\slash', 'new\nline', 'lone \ud800 surrogate', 'ok'];
    const grants = odd.flatMap((text, index): Grant[] => [
      {
        accountExternalId: text,
        entitlement: { type: 'permission_set', externalId: odd[(index + 1) % odd.length] ?? 'x' },
        via: null,
        grantedAt: null,
        expiresAt: null,
        attributes: {},
      },
      {
        accountExternalId: `005${index}`,
        entitlement: { type: text, externalId: '0PS1' },
        via: { type: 'permission_set_group', externalId: text },
        grantedAt: new Date(Date.UTC(2026, 0, index + 1)),
        expiresAt: new Date(-1e12 * index),
        attributes: { note: text, nested: { b: [1, text], a: null } },
      },
    ]);
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest().subarray(0, 16);
    for (const held of grants) {
      const key = Buffer.from(grantKey(held), 'utf8');
      const columns = [
        held.accountExternalId,
        held.entitlement.type,
        held.entitlement.externalId,
        held.via?.type ?? null,
        held.via?.externalId ?? null,
        held.grantedAt ?? null,
        held.expiresAt ?? null,
        canonicalJson(held.attributes),
      ].map((value) => copyField(value));
      const content = Buffer.from(columns.join('\t'), 'utf8');
      const { keyHash, contentHash } = itemHashes({ kind: 'grant', grant: held });
      expect(keyHash.equals(sha(key))).toBe(true);
      expect(contentHash.equals(sha(Buffer.concat([key, Buffer.from([1]), content])))).toBe(true);
    }
  });
});

describe('stored hashes', () => {
  // Every row ever written carries these hashes; a change to encoding or hashing would make the next
  // sync of every connection close and reopen every version. These lines were written before the
  // writer hashed on a worker thread and must never change.
  const items: SyncItem[] = [
    grant('005A', ref('permission_set', '0PS1'), ref('permission_set_group', '0PG1'), {
      grantedAt: new Date('2026-01-02T03:04:05.678Z'),
      attributes: {
        assignmentId: '0Pa1',
        isActive: true,
        accessKind: 'standing',
        mutedPermissions: { ModifyAllData: true },
      },
    }),
    {
      kind: 'account',
      account: {
        externalId: '005A',
        username: 'a@b.c',
        email: null,
        displayName: 'Ä\tb',
        status: 'active',
        accountType: 'Standard',
        createdAt: null,
        attributes: { kind: 'human', Title: 'x\\y' },
      },
    },
    {
      kind: 'entitlement',
      entitlement: {
        type: 'profile',
        externalId: '00e1',
        name: 'Admin',
        description: null,
        grantable: true,
        revocable: false,
        exclusive: true,
        attributes: {},
      },
    },
    {
      kind: 'activity',
      activity: { accountExternalId: '005A', source: 'last_login', lastActivityAt: new Date(0) },
    },
  ];
  const golden = [
    '7\tee379cd0a324d7d5883a212d32b4e8a7\t20620c93a3e7e1c5e71cc8e7f78b201c\t005A\tpermission_set\t0PS1\tpermission_set_group\t0PG1\t2026-01-02T03:04:05.678Z\t\\N\t{"accessKind":"standing","assignmentId":"0Pa1","isActive":true,"mutedPermissions":{"ModifyAllData":true}}\n',
    '7\t881caf79f2281b08fcbc3eacf8675f83\td567ad87a7cd630e563643c2a249408c\t005A\ta@b.c\t\\N\tÄ\\tb\tactive\tStandard\t\\N\t{"Title":"x\\\\\\\\y","kind":"human"}\n',
    '7\t1edd502bee137bf70200e120b8907da1\ta1cf39d4b015c2b178592ed1bd97e321\tprofile\t00e1\tAdmin\t\\N\tt\tf\tt\t{}\n',
    '7\td5ecd214d9886e95a54e52facdae0fae\tc572a3d9721ab20a472120eef0fd8874\t005A\tlast_login\t1970-01-01T00:00:00.000Z\n',
  ];

  it('are the ones earlier versions stored, item by item', () => {
    expect(items.map((item) => copyLine(item, 7))).toEqual(golden);
  });

  it('come out the same from the hashing thread and in this thread, for a batch of items side by side', async () => {
    const batch = new EncodedBatch();
    for (const item of items) batch.add(item);
    const inline = Buffer.from(hashPairsInline(batch.hashBatch()).hashes);
    const hasher = new WorkerHasher();
    try {
      const threaded = Buffer.from((await hasher.hash(batch.hashBatch())).hashes);
      expect(threaded.equals(inline)).toBe(true);
    } finally {
      await hasher.close();
    }
    const rows = new StagingRows();
    items.forEach((_, index) => rows.add(batch, index, 7, inline, index * 32));
    expect(Buffer.from(rows.take().bytes).toString('utf8')).toBe(golden.join(''));
  });

  it('skip the key hash of an item whose content hash is current, marking it seen, on the thread as in this one', async () => {
    const batch = new EncodedBatch();
    for (const item of items) batch.add(item);
    const all = Buffer.from(hashPairsInline(batch.hashBatch()).hashes);
    // Current versions: the grant (kind 2 in stagedKinds order) and the account (kind 0) as they are.
    const currentOf = () => {
      const tables = stagedKinds.map(() => CurrentVersions.empty(4));
      tables[2]?.addPairs(all.subarray(0, 32));
      tables[0]?.addPairs(all.subarray(32, 64));
      return tables;
    };
    const check = (hashed: { hashes: Uint8Array; seen: Uint8Array }, tables: CurrentVersions[]) => {
      expect([...hashed.seen]).toEqual([1, 1, 0, 0]);
      const hashes = Buffer.from(hashed.hashes);
      // Seen: content hash only. Not seen: both, exactly as without tables.
      expect(hashes.subarray(0, 16).equals(Buffer.alloc(16))).toBe(true);
      expect(hashes.subarray(16, 32).equals(all.subarray(16, 32))).toBe(true);
      expect(hashes.subarray(64).equals(all.subarray(64))).toBe(true);
      // Marked seen in the tables themselves: nothing of theirs is left unseen.
      expect(tables.map((table) => [...table.unseenKeyHashes()].length)).toEqual([0, 0, 0, 0]);
    };
    const inlineTables = currentOf();
    check(hashPairsInline(batch.hashBatch(inlineTables.map((table) => table.table()))), inlineTables);
    const threadTables = currentOf();
    const hasher = new WorkerHasher();
    try {
      check(await hasher.hash(batch.hashBatch(threadTables.map((table) => table.table()))), threadTables);
    } finally {
      await hasher.close();
    }
  });

  it('stay the same when a reused batch grows past its first buffer', () => {
    const batch = new EncodedBatch(1);
    const many = Array.from({ length: 500 }, () => items).flat();
    for (const item of many) batch.add(item);
    const { hashes } = hashPairsInline(batch.hashBatch());
    const rows = new StagingRows();
    many.forEach((_, index) => rows.add(batch, index, 7, hashes, index * 32));
    expect(Buffer.from(rows.take().bytes).toString('utf8')).toBe(golden.join('').repeat(500));
    batch.clear();
    batch.add(items[1] as SyncItem);
    expect(batch.count).toBe(1);
    const again = new StagingRows();
    again.add(batch, 0, 7, hashPairsInline(batch.hashBatch()).hashes, 0);
    expect(Buffer.from(again.take().bytes).toString('utf8')).toBe(golden[1]);
  });

  it('hand over each COPY payload in a buffer written to again only once it is released', () => {
    const batch = new EncodedBatch(4);
    for (const item of items) batch.add(item);
    const { hashes } = hashPairsInline(batch.hashBatch());
    const rows = new StagingRows();
    const stage = (index: number) => rows.add(batch, index, 7, hashes, index * 32);
    stage(0);
    const first = rows.take();
    stage(1);
    const second = rows.take();
    // Not released: the first payload's bytes stay as they were while the second is written.
    expect(Buffer.from(first.bytes).toString('utf8')).toBe(golden[0]);
    expect(Buffer.from(second.bytes).toString('utf8')).toBe(golden[1]);
    expect(second.bytes.buffer).not.toBe(first.bytes.buffer);
    first.release();
    first.release();
    // Released, it is the buffer written to after the next payload is taken.
    stage(2);
    const third = rows.take();
    stage(3);
    const fourth = rows.take();
    expect(third.bytes.buffer).not.toBe(first.bytes.buffer);
    expect(fourth.bytes.buffer).toBe(first.bytes.buffer);
    expect(Buffer.from(third.bytes).toString('utf8')).toBe(golden[2]);
    expect(Buffer.from(fourth.bytes).toString('utf8')).toBe(golden[3]);
    expect(Buffer.from(second.bytes).toString('utf8')).toBe(golden[1]);
  });

  it('come out right from the hashing thread for batches reused, grown past their first arrays, and side by side', async () => {
    // The thread keeps each batch's shared arrays between batches: reused, cleared and grown batches
    // must be hashed from what they hold now.
    const hasher = new WorkerHasher();
    const first = new EncodedBatch(1);
    const second = new EncodedBatch(1);
    const expectSame = async (batch: EncodedBatch): Promise<void> => {
      const inline = Buffer.from(hashPairsInline(batch.hashBatch()).hashes);
      const threaded = Buffer.from((await hasher.hash(batch.hashBatch())).hashes);
      expect(threaded.equals(inline)).toBe(true);
    };
    try {
      first.add(items[0] as SyncItem);
      second.add(items[1] as SyncItem);
      await expectSame(first);
      await expectSame(second);
      first.clear();
      for (const item of Array.from({ length: 300 }, () => items).flat()) first.add(item);
      await expectSame(first);
      first.clear();
      first.add(items[2] as SyncItem);
      first.add(items[3] as SyncItem);
      await expectSame(first);
      await expectSame(second);
    } finally {
      await hasher.close();
    }
  });

  it('fail every batch still waiting when the hashing thread is closed', async () => {
    const hasher = new WorkerHasher();
    await hasher.close();
    const batch = new EncodedBatch();
    batch.add(items[0] as SyncItem);
    await expect(hasher.hash(batch.hashBatch())).rejects.toThrow(/closed/);
  });
});
