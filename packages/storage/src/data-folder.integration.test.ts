import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DataFolderLockedError } from './data-folder.js';
import { openDatabase } from './database.js';

const root = mkdtempSync(path.join(tmpdir(), 'accessledger-folder-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A second, real process that opens the data folder and holds it. */
async function holder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@accessledger/source',
      '--import',
      'tsx',
      fileURLToPath(new URL('../test/hold-data-folder.ts', import.meta.url)),
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('OPEN')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`The holder exited (${code}) before opening: ${stderr}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function looseFiles(dir: string): string[] {
  const loose: string[] = [];
  const visit = (target: string): void => {
    const stat = statSync(target);
    if ((stat.mode & 0o077) !== 0) loose.push(target);
    if (stat.isDirectory()) for (const entry of readdirSync(target)) visit(path.join(target, entry));
  };
  visit(dir);
  return loose;
}

describe('the embedded data folder', { timeout: 120_000 }, () => {
  it('is locked by the process that opens it: a second process is refused with the holder pid', async () => {
    const dataDir = path.join(root, 'locked', 'db');
    const child = await holder(dataDir);

    const second = openDatabase({ engine: 'pglite', dataDir });
    await expect(second).rejects.toBeInstanceOf(DataFolderLockedError);
    await expect(second).rejects.toThrow(new RegExp(`in use by process ${child.pid} on `));
    await expect(second).rejects.toThrow(/stop that process .*or use PostgreSQL \(DATABASE_URL\)/);

    // Once the holder stops cleanly, the folder is free and its data intact.
    child.kill('SIGTERM');
    await exited(child);
    const db = await openDatabase({ engine: 'pglite', dataDir });
    try {
      const rows = await db.knex.raw<{ rows: { pid: number }[] }>('SELECT pid FROM held_by');
      expect(rows.rows.map((row) => row.pid)).toEqual([child.pid]);
    } finally {
      await db.close();
    }
  });

  it('recovers the lock of a holder that was killed (SIGKILL) without waiting', async () => {
    const dataDir = path.join(root, 'stale', 'db');
    const child = await holder(dataDir);
    child.kill('SIGKILL');
    await exited(child);

    const db = await openDatabase({ engine: 'pglite', dataDir });
    try {
      const rows = await db.knex.raw<{ rows: { pid: number }[] }>('SELECT pid FROM held_by');
      expect(rows.rows).toHaveLength(1);
    } finally {
      await db.close();
    }
  });

  it('refuses a second open in the same process too', async () => {
    const dataDir = path.join(root, 'same', 'db');
    const first = await openDatabase({ engine: 'pglite', dataDir });
    try {
      await expect(openDatabase({ engine: 'pglite', dataDir })).rejects.toThrow(
        new RegExp(`in use by process ${process.pid}`),
      );
    } finally {
      await first.close();
    }
    const again = await openDatabase({ engine: 'pglite', dataDir });
    await again.close();
  });

  it('is created 0700 and leaves no file open to group or others', async () => {
    const dataDir = path.join(root, 'private', 'db');
    const db = await openDatabase({ engine: 'pglite', dataDir }, { migrate: true });
    await db.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dataDir).length).toBeGreaterThan(0);
    expect(looseFiles(dataDir)).toEqual([]);
  });

  it('refuses an existing folder open to other users, with the chmod to run', async () => {
    const dataDir = path.join(root, 'loose', 'db');
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o755);
    const attempt = openDatabase({ engine: 'pglite', dataDir });
    await expect(attempt).rejects.toThrow(/is open to other users \(mode 755\)/);
    await expect(attempt).rejects.toThrow(`run \`chmod -R go-rwx ${dataDir}\``);
    // Nothing was opened: after the chmod it works.
    chmodSync(dataDir, 0o700);
    const db = await openDatabase({ engine: 'pglite', dataDir });
    await db.close();
  });
});
