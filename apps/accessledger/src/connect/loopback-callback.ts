import { AbortedError, InvalidInputError } from '@accessledger/core';
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';

/** The path of the callback URL, as the Salesforce CLI names it. */
export const CALLBACK_PATH = '/OauthRedirect';

/** One request to the callback URL; `respond` shows the person a small page. */
export interface CallbackRequest {
  readonly query: URLSearchParams;
  respond(ok: boolean, message: string): void;
}

/** A loopback HTTP listener for the OAuth redirect (RFC 8252 §7.3: loopback interface redirection). */
export interface LoopbackCallback {
  /** `http://127.0.0.1:{port}/OauthRedirect`: list exactly this as a callback URL of the connected app. */
  readonly redirectUri: string;
  /** The first request to the callback path; rejects with AbortedError when `signal` aborts first. */
  next(signal: AbortSignal): Promise<CallbackRequest>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 only (RFC 8252 §8.3: the loopback IP literal, not `localhost`, so no other
 * interface and no name resolution is involved). A port in use is reported with what to do.
 */
export async function listenForCallback(port: number): Promise<LoopbackCallback> {
  let deliver: ((request: CallbackRequest) => void) | undefined;
  let delivered = false;
  const server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== CALLBACK_PATH || incoming.method !== 'GET') {
      outgoing.writeHead(404, { 'Content-Type': 'text/plain;charset=UTF-8' }).end('Not found');
      return;
    }
    if (delivered || deliver === undefined) {
      page(
        outgoing,
        false,
        'This login was already handled, or accessledger is not waiting for one. You can close this window.',
      );
      return;
    }
    delivered = true;
    deliver({ query: url.searchParams, respond: (ok, message) => page(outgoing, ok, message) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new InvalidInputError(
              `Port ${port} on 127.0.0.1 is in use (another \`accessledger connect\` or \`sf org login\` still running?). Stop that program, or pass --port N and add http://127.0.0.1:N${CALLBACK_PATH} to the connected app's callback URLs.`,
            )
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    next: (signal) =>
      new Promise<CallbackRequest>((resolve, reject) => {
        const onAbort = (): void =>
          reject(signal.reason instanceof Error ? signal.reason : new AbortedError());
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        deliver = (request) => {
          signal.removeEventListener('abort', onAbort);
          resolve(request);
        };
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function page(response: ServerResponse, ok: boolean, message: string): void {
  const title = ok ? 'accessledger is connected to Salesforce' : 'accessledger could not connect';
  const body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p><p>You can close this window.</p></body></html>`;
  response
    .writeHead(ok ? 200 : 400, { 'Content-Type': 'text/html;charset=UTF-8', 'Cache-Control': 'no-store' })
    .end(body);
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Opens `url` in the desktop's browser; a machine without one is fine (the URL is printed too). */
export function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener: the printed URL is the way in.
  }
}
