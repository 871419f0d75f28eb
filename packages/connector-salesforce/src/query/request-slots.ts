/**
 * A counting semaphore shared by every read of a sync. A slot is taken for
 * each page from the moment its request is sent until the reader asks for the
 * next page, so `size` bounds both the requests in flight and the pages
 * fetched but not yet taken, however many cursors are open: memory holds at
 * most `size` pages waiting, and the API sees at most `size` requests at once.
 */
export class RequestSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = Math.max(1, Math.trunc(size));
  }

  /** Runs one request in a slot. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** The pages of a paged read; each holds a slot from its request until the next page is asked for. */
  async *pages<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        const release = await this.acquire();
        try {
          const step = await iterator.next();
          if (step.done) return;
          yield step.value;
        } finally {
          release();
        }
      }
    } finally {
      await iterator.return?.();
    }
  }

  private async acquire(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}
