import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  TransientError,
  UnsupportedError,
} from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { mapScimError, parseScimError } from './errors.js';
import { pageByCursor, pageByIndex, type ScimListResponse } from './paging.js';
import { equalsFilter, ScimPatch, valuePath } from './patch.js';

const signal = new AbortController().signal;
const context = { service: 'the SCIM service', action: 'creating a user' };

describe('ScimPatch (RFC 7644 §3.5.2)', () => {
  it('builds a PatchOp body in order, remove always with a path', () => {
    const body = new ScimPatch()
      .add('members', [{ value: 'u1' }])
      .replace(undefined, { active: false })
      .remove(valuePath('members', 'value', 'u2'))
      .build();
    expect(body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: 'u1' }] },
        { op: 'replace', value: { active: false } },
        { op: 'remove', path: 'members[value eq "u2"]' },
      ],
    });
  });

  it('escapes string literals as JSON strings and refuses attribute names that are not paths', () => {
    expect(equalsFilter('userName', 'a"b\\c')).toBe('userName eq "a\\"b\\\\c"');
    expect(valuePath('roles', 'value', 'x"] or [value pr')).toBe('roles[value eq "x\\"] or [value pr"]');
    expect(() => equalsFilter('userName or 1', 'x')).toThrow(RangeError);
    expect(equalsFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'x')).toBe(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"',
    );
  });
});

describe('SCIM error bodies (RFC 7644 §3.12)', () => {
  it('reads status as a string or a number', () => {
    expect(parseScimError({ status: '409', scimType: 'uniqueness', detail: 'taken' }, 409)).toEqual({
      status: 409,
      scimType: 'uniqueness',
      detail: 'taken',
    });
    expect(parseScimError('<html>', 500)).toBeNull();
  });

  it('maps scimType before status: uniqueness and invalidVers are conflicts', () => {
    const unique = mapScimError(
      409,
      { status: '409', scimType: 'uniqueness', detail: 'userName taken' },
      context,
    );
    expect(unique).toBeInstanceOf(ConflictError);
    expect(unique.details).toMatchObject({ upstreamCode: 'uniqueness', httpStatus: 409 });
    expect(unique.message).toContain('userName taken');
    expect(mapScimError(412, { status: 412, detail: 'version' }, context)).toBeInstanceOf(ConflictError);
    expect(mapScimError(400, { status: 400, scimType: 'invalidFilter' }, context)).toBeInstanceOf(
      InvalidInputError,
    );
    expect(mapScimError(400, { status: 400, scimType: 'expiredCursor' }, context)).toBeInstanceOf(
      TransientError,
    );
    expect(mapScimError(501, { status: 501, detail: 'no PATCH' }, context)).toBeInstanceOf(UnsupportedError);
    expect(mapScimError(404, undefined, context)).toBeInstanceOf(NotFoundError);
  });
});

/** A provider list that tests mutate between pages. */
function listOf(ids: string[]) {
  return (startIndex: number, count: number): Promise<ScimListResponse<{ id: string }>> =>
    Promise.resolve({
      totalResults: ids.length,
      startIndex,
      Resources: ids.slice(startIndex - 1, startIndex - 1 + count).map((id) => ({ id })),
    });
}

async function collect(pages: AsyncIterable<{ id: string }[]>): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of pages) ids.push(...page.map((resource) => resource.id));
  return ids;
}

describe('pageByIndex (RFC 7644 §3.4.2.4)', () => {
  it('advances by what a page held when the provider sends fewer than asked', async () => {
    const ids = Array.from({ length: 7 }, (_, index) => `u${index}`);
    const list = listOf(ids);
    const calls: number[] = [];
    const read = await collect(
      pageByIndex((startIndex) => (calls.push(startIndex), list(startIndex, 2)), {
        pageSize: 5,
        signal,
        idOf: (resource) => resource.id,
      }),
    );
    expect(read).toEqual(ids);
    expect(calls).toEqual([1, 3, 5, 7]);
  });

  it('follows a totalResults that grows during the read, and drops the duplicates an insert causes', async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const list = listOf(ids);
    let calls = 0;
    const read = await collect(
      pageByIndex(
        async (startIndex, count) => {
          calls += 1;
          if (calls === 2) ids.unshift('new'); // inserted before the read position
          return list(startIndex, count);
        },
        { pageSize: 2, signal, idOf: (resource) => resource.id },
      ),
    );
    expect(new Set(read)).toEqual(new Set(['a', 'b', 'c', 'd', 'new']));
    expect(read.length).toBe(5);
  });

  it('reads again from the start when a deletion shifted a resource into a page already read', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const list = listOf(ids);
    let calls = 0;
    const read = await collect(
      pageByIndex(
        async (startIndex, count) => {
          calls += 1;
          if (calls === 2) ids.splice(0, 1); // 'a' deleted after page 1: 'c' moves to index 2
          return list(startIndex, count);
        },
        { pageSize: 2, signal, idOf: (resource) => resource.id },
      ),
    );
    expect(new Set(read)).toEqual(new Set(['a', 'b', 'c', 'd', 'e']));
  });

  it('refuses to end short: an empty page while totalResults says more fails the read instead of hiding the rest', async () => {
    const read: string[] = [];
    const pages = pageByIndex(
      async (startIndex) => ({ totalResults: 10, Resources: startIndex === 1 ? [{ id: 'x' }] : [] }),
      { pageSize: 5, signal, idOf: (resource) => resource.id },
    );
    await expect(
      (async () => {
        for await (const page of pages) read.push(...page.map((resource) => resource.id));
      })(),
    ).rejects.toBeInstanceOf(TransientError);
    expect(read).toEqual(['x']);
  });

  it('refuses a provider that ignores startIndex and hands out the first page again', async () => {
    const pages = pageByIndex(
      async () => ({ totalResults: 4, startIndex: 1, Resources: [{ id: 'a' }, { id: 'b' }] }),
      { pageSize: 2, signal, idOf: (resource) => resource.id },
    );
    await expect(collect(pages)).rejects.toBeInstanceOf(UnsupportedError);
  });

  it('reads to an empty page when the provider sends no totalResults, and takes numbers sent as strings', async () => {
    const ids = ['a', 'b', 'c'];
    const read = await collect(
      pageByIndex(
        async (startIndex, count) =>
          ({
            startIndex: String(startIndex),
            Resources: ids.slice(startIndex - 1, startIndex - 1 + count).map((id) => ({ id })),
          }) as unknown as ScimListResponse<{ id: string }>,
        { pageSize: 2, signal, idOf: (resource) => resource.id },
      ),
    );
    expect(read).toEqual(ids);
  });
});

describe('list answers that are not a ListResponse (RFC 7644 §3.4.2)', () => {
  const options = { pageSize: 2, signal, idOf: (resource: { id: string }) => resource.id };
  it.each([
    ['an empty object', {}],
    ['Resources that are not an array', { totalResults: 3, Resources: 'users' }],
    ['text', '<html>sign in</html>'],
  ])('fail the read instead of reporting no resources: %s', async (_, answer) => {
    const asList = answer as unknown as ScimListResponse<{ id: string }>;
    for (const pages of [
      pageByIndex(async () => asList, options),
      pageByCursor(async () => asList, options),
    ]) {
      const failure = await collect(pages).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect((failure as TransientError).details.upstreamCode).toBe('MALFORMED_RESPONSE');
    }
  });

  it('take an empty list without Resources when totalResults is 0', async () => {
    expect(await collect(pageByIndex(async () => ({ totalResults: 0 }), options))).toEqual([]);
  });
});

describe('pageByCursor (RFC 9865)', () => {
  it('starts with an empty cursor and follows nextCursor until it is absent', async () => {
    const cursors: string[] = [];
    const pages: Record<string, ScimListResponse<{ id: string }>> = {
      '': { Resources: [{ id: 'a' }], nextCursor: 'c1' },
      c1: { Resources: [{ id: 'b' }], nextCursor: 'c2' },
      c2: { Resources: [{ id: 'c' }] },
    };
    const read = await collect(
      pageByCursor(async (cursor) => (cursors.push(cursor), pages[cursor] ?? {}), {
        pageSize: 1,
        signal,
        idOf: (resource) => resource.id,
      }),
    );
    expect(read).toEqual(['a', 'b', 'c']);
    expect(cursors).toEqual(['', 'c1', 'c2']);
  });

  it('refuses a cursor handed out twice instead of looping', async () => {
    await expect(
      collect(
        pageByCursor(async (cursor) => ({ Resources: [{ id: cursor || 'first' }], nextCursor: 'same' }), {
          pageSize: 1,
          signal,
          idOf: (resource) => resource.id,
        }),
      ),
    ).rejects.toBeInstanceOf(TransientError);
  });
});
