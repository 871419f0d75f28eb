import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { ConflictError, InvalidConfigError } from '@accessledger/core';
import lockfile from 'proper-lockfile';

/**
 * A lock that proper-lockfile keeps fresh by touching its mtime; one older than
 * this is taken over even when the holder's pid cannot be checked (another host
 * on a shared file system, a reused pid).
 */
const STALE_LOCK_MS = 60_000;

/** Who holds a data folder, written beside the lock so that a second process can name it. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

/** Another process has the embedded data folder open. */
export class DataFolderLockedError extends ConflictError {
  readonly holderPid: number | null;

  constructor(dataDir: string, holder: LockHolder | null) {
    super(
      `The embedded database in ${dataDir} is in use by ` +
        (holder
          ? `process ${holder.pid} on ${holder.host} (\`${holder.command}\`, since ${holder.since})`
          : 'another accessledger process') +
        '. One process at a time may open it: stop that process (for the daemon, `kill -TERM ' +
        `${holder?.pid ?? '<pid>'}\`) and try again, or use PostgreSQL (DATABASE_URL) so that several ` +
        'processes (the daemon and the CLI) can share the data.',
      { hint: 'Stop the other accessledger process.' },
    );
    this.holderPid = holder?.pid ?? null;
  }
}

/** An open, locked data folder; `release` tightens the files it wrote and frees the lock. */
export interface DataFolder {
  /** Removes group and other permission bits from every file in the folder. */
  tighten(): void;
  release(): void;
}

/**
 * Makes the embedded data folder private and takes it for this process:
 * created 0700; an existing folder open to group or others is refused with the
 * `chmod` to run; a second process gets `DataFolderLockedError` naming the
 * holder's pid. A lock whose holder died is recovered: at once when its pid is
 * gone from this host, otherwise once the lock has not been refreshed for a minute.
 */
export function openDataFolder(dataDir: string): DataFolder {
  mkdirSync(path.dirname(dataDir), { recursive: true });
  try {
    mkdirSync(dataDir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const release = acquire(dataDir);
  try {
    assertPrivate(dataDir);
  } catch (error) {
    release();
    throw error;
  }
  const ownerFile = ownerFileOf(dataDir);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(1).join(' ').slice(0, 200) || 'node',
  };
  writeFileSync(ownerFile, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  const folder: DataFolder = {
    tighten: () => tightenTree(dataDir),
    release: () => {
      folder.tighten();
      rmSync(ownerFile, { force: true });
      release();
    },
  };
  return folder;
}

function assertPrivate(dataDir: string): void {
  const stat = statSync(dataDir);
  if (!stat.isDirectory()) {
    throw new InvalidConfigError(`The data folder ${dataDir} is not a directory.`, [
      { path: 'ACCESSLEDGER_DATA_DIR', message: 'not a directory' },
    ]);
  }
  // The folder's own mode is what keeps others out; the files inside are tightened on open and close
  // (PGlite creates them 0666), so a process killed mid-run leaves nothing another user can reach.
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new InvalidConfigError(
      `The data folder ${dataDir} is open to other users (mode ${mode.toString(8)}). It holds who can do ` +
        `what in your applications; run \`chmod -R go-rwx ${dataDir}\` and try again.`,
      [{ path: 'ACCESSLEDGER_DATA_DIR', message: 'permissions too open' }],
    );
  }
}

function tightenTree(target: string): void {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return; // removed meanwhile (a WAL segment recycled)
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(target, stat.mode & 0o700);
  if (stat.isDirectory()) for (const entry of readdirSync(target)) tightenTree(path.join(target, entry));
}

const lockFileOf = (dataDir: string): string => `${dataDir}.lock`;
const ownerFileOf = (dataDir: string): string => `${dataDir}.lock.owner`;

function acquire(dataDir: string, recovered = false): () => void {
  try {
    return lockfile.lockSync(dataDir, {
      lockfilePath: lockFileOf(dataDir),
      realpath: false,
      stale: STALE_LOCK_MS,
      // A lock refreshed late (a long synchronous stretch) is not worth crashing the holder over;
      // the pid check protects it from a takeover while it lives.
      onCompromised: (error) =>
        process.emitWarning(`accessledger: the lock on ${dataDir} was lost: ${error.message}`),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const holder = readHolder(dataDir);
    if (!recovered && holder && holder.host === hostname() && !isAlive(holder.pid)) {
      // The holder died without releasing (SIGKILL, power loss): its lock is stale.
      rmSync(lockFileOf(dataDir), { recursive: true, force: true });
      return acquire(dataDir, true);
    }
    throw new DataFolderLockedError(dataDir, holder);
  }
}

function readHolder(dataDir: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(ownerFileOf(dataDir), 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return null;
    return {
      pid: parsed.pid,
      host: parsed.host,
      since: typeof parsed.since === 'string' ? parsed.since : 'unknown',
      command: typeof parsed.command === 'string' ? parsed.command : 'unknown',
    };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
