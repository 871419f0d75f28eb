import { TransientError } from '@accessledger/core';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Serves an embedded (PGlite) database over the PostgreSQL wire protocol on
 * loopback, so psql, BI tools and notebooks can query it. PGlite is one
 * session: clients are served one at a time, in order of arrival, each from
 * its startup message to its Terminate; the others wait. While it serves, a
 * marker file beside the data folder tells other processes where it is
 * (`servedEmbeddedDatabase`), because opening the folder twice would corrupt it.
 *
 * Written against PGlite's `execProtocolRaw` (which answers a whole frontend
 * message with the backend's bytes) rather than @electric-sql/pglite-socket:
 * its releases pin an older PGlite as a peer dependency.
 */

/** What a running server writes beside the data folder. */
export interface ServedDatabase {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /** A libpq URL to connect with (psql, pg). */
  readonly url: string;
}

export interface EmbeddedServer extends ServedDatabase {
  /** Stops accepting, closes clients, closes the database and removes the marker. */
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** The marker file of a data folder. */
export function serveMarkerOf(dataDir: string): string {
  return `${dataDir.replace(/[/\\]+$/, '')}.serve.json`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The server serving this data folder right now, if any; a marker left by a process that died is removed. */
export function servedEmbeddedDatabase(dataDir: string): ServedDatabase | undefined {
  const marker = serveMarkerOf(dataDir);
  if (!existsSync(marker)) return undefined;
  let served: ServedDatabase;
  try {
    served = JSON.parse(readFileSync(marker, 'utf8')) as ServedDatabase;
  } catch {
    return undefined;
  }
  if (typeof served.pid !== 'number' || !alive(served.pid)) {
    rmSync(marker, { force: true });
    return undefined;
  }
  return served;
}

/** The error for a process that wants to open a folder that another process serves. */
export function servedDatabaseError(dataDir: string, served: ServedDatabase): TransientError {
  return new TransientError(
    `The embedded database in ${dataDir} is being served by \`accessledger db serve\` (pid ${served.pid}, ${served.url}). ` +
      `Read-only commands (snapshots, diff, access, timeline, who-has, sql, connections list) go through it; ` +
      `stop it (Ctrl-C in its terminal) to run this command.`,
  );
}

export async function serveEmbeddedDatabase(options: {
  readonly dataDir: string;
  readonly host?: string;
  /** 0 for any free port. */
  readonly port: number;
}): Promise<EmbeddedServer> {
  const host = options.host ?? '127.0.0.1';
  const existing = servedEmbeddedDatabase(options.dataDir);
  if (existing) throw servedDatabaseError(options.dataDir, existing);
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite(options.dataDir);
  await pglite.waitReady;

  interface Client {
    readonly socket: Socket;
    /** Bytes that arrived while the client waited for its turn. */
    readonly early: Buffer[];
    readonly keep: (chunk: Buffer) => void;
  }
  const waiting: Client[] = [];
  let current: Client | null = null;
  const sockets = new Set<Socket>();

  const next = (): void => {
    current = null;
    // A client that left inside a transaction must not leave it open for the next one.
    void pglite
      .exec('ROLLBACK')
      .catch(() => undefined)
      .then(() => {
        while (!current && waiting.length > 0) {
          const client = waiting.shift() as Client;
          if (!client.socket.destroyed) serve(client);
        }
      });
  };

  const serve = (client: Client): void => {
    current = client;
    const { socket } = client;
    socket.off('data', client.keep);
    let buffer = Buffer.alloc(0);
    let startup = true;
    let chain = Promise.resolve();
    const handle = async (message: Buffer): Promise<void> => {
      if (socket.destroyed) return;
      const reply = await pglite.execProtocolRaw(new Uint8Array(message));
      if (reply.length > 0 && !socket.destroyed) socket.write(Buffer.from(reply));
    };
    const enqueue = (message: Buffer): void => {
      chain = chain.then(() => handle(message)).catch(() => void socket.destroy());
    };
    const onData = (data: Buffer): void => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (startup) {
          // Startup-phase messages have no type byte: length, then a code or the protocol version.
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const message = Buffer.from(buffer.subarray(0, length));
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N'); // loopback only: no TLS, no GSSAPI
            continue;
          }
          if (code === CANCEL_REQUEST) {
            socket.end();
            return;
          }
          startup = false;
          enqueue(message);
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1) + 1;
        if (buffer.length < length) return;
        const message = Buffer.from(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (message[0] === 0x58 /* Terminate */) {
          socket.end();
          return;
        }
        enqueue(message);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => {
      socket.off('data', onData);
      void chain.finally(next);
    });
    for (const chunk of client.early.splice(0)) onData(chunk);
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    const early: Buffer[] = [];
    const client: Client = { socket, early, keep: (chunk) => void early.push(chunk) };
    socket.on('data', client.keep);
    socket.once('close', () => {
      sockets.delete(socket);
      const index = waiting.indexOf(client);
      if (index >= 0) waiting.splice(index, 1);
    });
    if (current) waiting.push(client);
    else serve(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const served: ServedDatabase = {
    pid: process.pid,
    host,
    port,
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
  };
  const marker = serveMarkerOf(options.dataDir);
  writeFileSync(marker, JSON.stringify(served), { mode: 0o600 });
  return {
    ...served,
    async close() {
      rmSync(marker, { force: true });
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      if (!pglite.closed) await pglite.close();
    },
  };
}
