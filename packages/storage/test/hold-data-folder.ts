/**
 * Child process for the data-folder lock test: opens the embedded database in
 * the folder named on the command line, writes a row, says OPEN, and holds it
 * until SIGTERM (then closes cleanly) or SIGKILL.
 */
import { openDatabase } from '../src/database.js';

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: hold-data-folder.ts <data-dir>');

const db = await openDatabase({ engine: 'pglite', dataDir }, { migrate: true });
await db.knex.raw(`CREATE TABLE IF NOT EXISTS held_by (pid int)`);
await db.knex.raw(`INSERT INTO held_by VALUES (?)`, [process.pid]);
process.stdout.write('OPEN\n');
const keepAlive = setInterval(() => undefined, 1_000);
process.once('SIGTERM', () => {
  clearInterval(keepAlive);
  void db.close();
});
