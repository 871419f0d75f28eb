import { AbortedError } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import { mergeStreams } from './merge.js';

async function* numbers(from: number, count: number, started: number[]): AsyncGenerator<number> {
  started.push(from);
  for (let index = 0; index < count; index += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    yield from + index;
  }
}

describe('mergeStreams', () => {
  it('yields every item of every stream, starting at most `concurrency` at once', async () => {
    const started: number[] = [];
    const seen: number[] = [];
    const merged = mergeStreams(
      [0, 100, 200].map((from) => () => numbers(from, 5, started)),
      2,
      new AbortController().signal,
    );
    for await (const value of merged) {
      if (seen.length === 0) expect(started).toEqual([0, 100]);
      seen.push(value);
    }
    expect(seen.sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 200, 201, 202, 203, 204,
    ]);
  });

  it('fails with the first stream failure and closes the others', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (;;) {
          await new Promise((resolve) => setImmediate(resolve));
          yield 1;
        }
      } finally {
        closed = true;
      }
    }
    async function* failing(): AsyncGenerator<number> {
      yield 0;
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('boom');
    }
    const merged = mergeStreams([endless, failing], 2, new AbortController().signal);
    await expect(async () => {
      for await (const _ of merged) void _;
    }).rejects.toThrow('boom');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });

  it('stops with AbortedError when the signal fires', async () => {
    const controller = new AbortController();
    const merged = mergeStreams([() => numbers(0, 100, [])], 1, controller.signal);
    const iterator = merged[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toBeInstanceOf(AbortedError);
  });
});
