import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy hands back instead of the org's answer. */
export interface SpoiledAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A request the proxy forwarded, and the org's answer to it. */
export interface ProxiedExchange {
  readonly method: string;
  readonly url: string;
  readonly requestBody: string;
  readonly status: number;
}

export interface OrgProxy {
  readonly server: Server;
  readonly origin: string;
  /** Spoils the answer to the Nth query request from now (of those on `object` only, when given). */
  spoilNthQuery(nth: number, spoil: (original: string) => SpoiledAnswer, object?: string): void;
  /** Called once the org's answer to a request has been passed on. */
  onExchange(listener: (exchange: ProxiedExchange) => void): void;
  close(): Promise<void>;
}

/**
 * A proxy between accessledger and an emulated org over real sockets: it
 * forwards every request, names itself wherever the org names its own origin
 * (instance_url, links), can spoil an answer the way a misbehaving proxy or a
 * captive portal would, and reports every exchange to the test.
 */
export async function startOrgProxy(target: string): Promise<OrgProxy> {
  let queriesLeft = 0;
  let spoiler: ((original: string) => SpoiledAnswer) | null = null;
  let spoiledObject: string | undefined;
  const listeners: ((exchange: ProxiedExchange) => void)[] = [];
  let origin = '';
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const upstream = httpRequest(
        new URL(incoming.url ?? '/', target),
        { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(body).toString('utf8').split(target).join(origin);
            const isQuery =
              /\/services\/data\/v[\d.]+\/query/.test(incoming.url ?? '') &&
              (spoiledObject === undefined ||
                new RegExp(`\\bFROM ${spoiledObject}\\b`).test(
                  new URL(incoming.url ?? '/', target).searchParams.get('q') ?? '',
                ));
            if (spoiler && isQuery && --queriesLeft === 0) {
              const spoiled = spoiler(text);
              spoiler = null;
              outgoing.writeHead(spoiled.status, { 'content-type': spoiled.contentType });
              outgoing.end(spoiled.body);
              return;
            }
            const headers = { ...answer.headers };
            delete headers['content-length'];
            outgoing.writeHead(answer.statusCode ?? 502, headers);
            outgoing.end(text, () => {
              const exchange: ProxiedExchange = {
                method: incoming.method ?? '',
                url: incoming.url ?? '',
                requestBody: requestBody.toString('utf8'),
                status: answer.statusCode ?? 0,
              };
              for (const listener of listeners) listener(exchange);
            });
          });
        },
      );
      upstream.on('error', () => outgoing.destroy());
      upstream.end(requestBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    origin,
    spoilNthQuery(nth, spoil, object) {
      queriesLeft = nth;
      spoiler = spoil;
      spoiledObject = object;
    },
    onExchange(listener) {
      listeners.push(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
