import type { CredentialStore } from '@accessledger/core';
import type { DatabaseCredentialStore } from '@accessledger/storage';

/**
 * A connection's credentials for the length of one run, read before the run
 * starts. The snapshot writer holds a database connection for the whole sync
 * and the embedded engine has only one, so a connector that asked the
 * database for its secret mid-stream would wait on itself. Reads are served
 * from memory; a rotated value is written back in order, at once where the
 * database has a free connection, and in any case before `flush` resolves.
 */
export class RunCredentialStore implements CredentialStore {
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(
    private readonly store: DatabaseCredentialStore,
    private readonly values: Map<string, string>,
  ) {}

  static async load(store: DatabaseCredentialStore): Promise<RunCredentialStore> {
    const values = new Map<string, string>();
    for (const name of await store.names()) {
      const value = await store.get(name);
      if (value !== undefined) values.set(name, value);
    }
    return new RunCredentialStore(store, values);
  }

  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }

  async set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
    this.pending = this.pending.then(() =>
      this.store.set(name, value).catch((error: unknown) => {
        this.failure ??= error;
      }),
    );
  }

  /** Waits until every value set during the run is stored; throws the first failure. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
  }
}
