/** Items between two looks at the clock: reading it costs little, but not nothing, per item. */
const ITEMS_PER_LOOK = 64;

/**
 * Lets the event loop run once a stretch of work in microtasks has lasted
 * `ms`. A reader of an async stream whose items come from data already at
 * hand (a connector handing out the records of a page it received) is resumed
 * in microtasks only, never returning to the event loop: meanwhile no socket
 * is read and no worker's message is handled. A sync's next pages then
 * arrived only when a page was done, so its requests in flight took longer
 * than the API did (on the `large` benchmark, 89 ms per request on a 50 ms
 * latency; letting the loop run every 5 ms made an unchanged re-sync about
 * 0.6 s faster).
 *
 * @example
 * ```ts
 * const turns = new EventLoopTurns(5);
 * for await (const item of items) {
 *   const turn = turns.take();
 *   if (turn) await turn; // an `await` of nothing would still cost a microtask per item
 *   handle(item);
 * }
 * ```
 */
export class EventLoopTurns {
  private started = performance.now();
  private items = 0;

  constructor(private readonly ms: number) {}

  /** Undefined, or when the stretch has lasted long enough, a promise resolved once the event loop has run. */
  take(): Promise<void> | undefined {
    this.items += 1;
    if (this.items < ITEMS_PER_LOOK) return undefined;
    this.items = 0;
    if (performance.now() - this.started < this.ms) return undefined;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.started = performance.now();
        resolve();
      }),
    );
  }
}
