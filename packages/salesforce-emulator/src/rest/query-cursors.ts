import type { SObjectRecord } from '../soql/types.js';
import { IdMinter } from '../org/ids.js';

/** A server-side query cursor: the matched rows and how to turn one into its JSON record. */
export interface QueryCursor {
  readonly locator: string;
  readonly rows: readonly SObjectRecord[];
  readonly project: (row: SObjectRecord) => Record<string, unknown>;
  readonly batchSize: number;
  lastUsedAt: number;
}

/**
 * Open query cursors, addressed by an `01g…` locator as in
 * `nextRecordsUrl: /services/data/v63.0/query/01gD0000002HU6KIAW-2000`.
 * A cursor expires `ttlMs` after its last use.
 */
export class QueryCursorStore {
  private readonly cursors = new Map<string, QueryCursor>();
  private readonly locators = new IdMinter('Q1');

  constructor(
    private readonly ttlMs: () => number,
    private readonly now: () => number,
  ) {}

  open(
    rows: readonly SObjectRecord[],
    project: (row: SObjectRecord) => Record<string, unknown>,
    batchSize: number,
  ): QueryCursor {
    this.sweep();
    const cursor: QueryCursor = {
      locator: this.locators.next('01g'),
      rows,
      project,
      batchSize,
      lastUsedAt: this.now(),
    };
    this.cursors.set(cursor.locator, cursor);
    return cursor;
  }

  /** The live cursor for a locator (touching it), or undefined when unknown or expired. */
  use(locator: string): QueryCursor | undefined {
    const cursor = this.cursors.get(locator);
    if (cursor === undefined) return undefined;
    if (this.now() - cursor.lastUsedAt > this.ttlMs()) {
      this.cursors.delete(locator);
      return undefined;
    }
    cursor.lastUsedAt = this.now();
    return cursor;
  }

  close(locator: string): void {
    this.cursors.delete(locator);
  }

  get size(): number {
    return this.cursors.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [locator, cursor] of this.cursors) {
      if (now - cursor.lastUsedAt > this.ttlMs()) this.cursors.delete(locator);
    }
  }
}
