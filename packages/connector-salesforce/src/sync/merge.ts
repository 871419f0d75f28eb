import { throwIfAborted } from '@accessledger/core';

/**
 * Runs up to `concurrency` async streams at once and yields their items as
 * they come. Each running stream is read one item ahead, so at most
 * `concurrency` items wait in memory besides the one being handed out; the
 * next stream starts when one ends. The first failure ends the merge and
 * closes the other streams.
 *
 * @example
 * ```ts
 * for await (const page of mergeStreams([() => users(), () => assignments()], 2, signal)) { … }
 * ```
 */
export async function* mergeStreams<T>(
  sources: readonly (() => AsyncIterable<T>)[],
  concurrency: number,
  signal: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  interface Step {
    readonly index: number;
    readonly result: IteratorResult<T>;
  }
  const iterators: AsyncIterator<T>[] = [];
  const pending = new Map<number, Promise<Step>>();
  let started = 0;
  const pull = (index: number): void => {
    const iterator = iterators[index] as AsyncIterator<T>;
    const step = iterator.next().then((result) => ({ index, result }));
    // A stream abandoned while its read is in flight must not surface as an unhandled rejection.
    step.catch(() => undefined);
    pending.set(index, step);
  };
  const fill = (): void => {
    while (pending.size < Math.max(1, concurrency) && started < sources.length) {
      const source = sources[started] as () => AsyncIterable<T>;
      iterators.push(source()[Symbol.asyncIterator]());
      pull(started);
      started += 1;
    }
  };
  try {
    throwIfAborted(signal);
    fill();
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      throwIfAborted(signal);
      if (result.done) {
        pending.delete(index);
        fill();
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    for (const index of pending.keys()) {
      void iterators[index]?.return?.()?.catch(() => undefined);
    }
  }
}
