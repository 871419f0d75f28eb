/**
 * A counting semaphore shared by every read of a sync. A slot is taken for
 * each page from the moment its request is sent until the reader of that
 * cursor asks for the next page, so `size` bounds the requests in flight plus
 * the pages fetched that no reader has taken yet, however many cursors are
 * open: the API sees at most `size` requests at once. A page a reader has
 * taken no longer holds a slot; what bounds those is the readers' own
 * lookahead (`mergeStreams` holds one page per cursor).
 */
export class RequestSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = Math.max(1, Math.trunc(size));
  }

  /** Runs one request in a slot; `first`: ahead of every request already waiting for one. */
  async run<T>(work: () => Promise<T>, { first = false }: { readonly first?: boolean } = {}): Promise<T> {
    const release = await this.acquire(first);
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

  private async acquire(first = false): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else
      await new Promise<void>((resolve) =>
        first ? this.waiting.unshift(resolve) : this.waiting.push(resolve),
      );
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
