import { randomInt } from 'node:crypto';
import pg from 'pg';

/** First key of the advisory lock a process holds while it lives (second key: its runner key). */
export const RUNNER_LOCK_NAMESPACE = 0x41_4c_52_4e; // "ALRN"

/**
 * Proof that this process is alive, for the runs it records on a server
 * database: a session-level advisory lock held on a connection of its own
 * (outside the pool, so that runs never wait for it). When the process dies
 * (SIGKILL, power loss), PostgreSQL ends the session and frees the lock, and
 * `SyncRunStore.failAbandoned` marks its runs failed. After a lost connection
 * (a PostgreSQL restart) the lock is taken again as soon as the server answers.
 *
 * @example
 * const liveness = await RunnerLiveness.start(databaseUrl);
 * await runs.start({ connectionId, kind: 'sync', runnerKey: liveness.key });
 * await liveness.stop();
 */
export class RunnerLiveness {
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly url: string,
    readonly key: number,
  ) {}

  static async start(url: string): Promise<RunnerLiveness> {
    const liveness = new RunnerLiveness(url, randomInt(1, 2 ** 31 - 1));
    await liveness.connect();
    return liveness;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'accessledger-liveness' });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1, $2)', [RUNNER_LOCK_NAMESPACE, this.key]);
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    const again = (): void => {
      this.retry = setTimeout(() => {
        if (this.stopped) return;
        this.connect().catch(again);
      }, 1_000);
      this.retry.unref();
    };
    again();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
