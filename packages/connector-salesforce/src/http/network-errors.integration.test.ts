import { TransientError } from '@accessledger/core';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { mapNetworkError } from '../errors.js';
import { requestToken } from './session.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const port = await listen(() => undefined);
  const server = servers.pop() as Server;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function tokenFailure(loginUrl: string, timeoutMs = 5_000): Promise<unknown> {
  return requestToken(
    { loginUrl, timeoutMs },
    { grant_type: 'client_credentials', client_id: 'id', client_secret: 'secret' },
    new AbortController().signal,
  ).catch((error: unknown) => error);
}

/** Network failures over real sockets become retryable TransientErrors naming the host and the fix. */
describe('a token request that gets no answer', () => {
  it('connection refused', async () => {
    const port = await closedPort();
    const error = await tokenFailure(`http://127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryable).toBe(true);
    expect((error as TransientError).message).toContain(`127.0.0.1:${port} refused the connection`);
    expect((error as TransientError).message).toContain('check the domain and port');
    expect((error as TransientError).details.upstreamCode).toBe('ECONNREFUSED');
  });

  it('connection reset', async () => {
    const port = await listen((socket) => socket.resetAndDestroy());
    const error = await tokenFailure(`http://127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toContain('dropped the connection');
  });

  it('TLS handshake against a server that does not speak TLS', async () => {
    const port = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const error = await tokenFailure(`https://127.0.0.1:${port}`);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toContain('failed the TLS handshake');
    expect((error as TransientError).message).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('timeout', async () => {
    const port = await listen(() => undefined);
    const error = await tokenFailure(`http://127.0.0.1:${port}`, 200);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toContain('did not answer in time');
  });

  it('DNS: a name that does not resolve (the error as Node reports it)', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND acme.my.salesforce.comm'), {
      code: 'ENOTFOUND',
    });
    const error = mapNetworkError(dns, {
      url: 'https://acme.my.salesforce.comm/services/oauth2/token',
      action: 'requesting an access token',
    });
    expect(error.message).toBe(
      'acme.my.salesforce.comm could not be resolved (DNS) while requesting an access token (ENOTFOUND): ' +
        'check the spelling of the domain (My Domain hosts end in .my.salesforce.com; sandboxes keep their "--") and this machine\'s DNS.',
    );
    expect(error.retryable).toBe(true);
  });
});
