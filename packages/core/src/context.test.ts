import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, InMemoryCredentialStore } from './context.js';

describe('createLogger', () => {
  it('never writes credential-shaped values', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ destination, level: 'info' });
    logger.info(
      {
        refreshToken: 'rt-secret',
        auth: { clientSecret: 'cs-secret', privateKey: 'pk-secret' },
        user: 'ada',
      },
      'connected',
    );
    const written = lines.join('');
    expect(written).toContain('"user":"ada"');
    expect(written).toContain('[redacted]');
    expect(written).not.toMatch(/rt-secret|cs-secret|pk-secret/);
  });
});

describe('InMemoryCredentialStore', () => {
  it('keeps rotated values and refuses empty ones', async () => {
    const store = new InMemoryCredentialStore({ refreshToken: 'a' });
    await store.set('refreshToken', 'b');
    expect(await store.get('refreshToken')).toBe('b');
    await expect(store.set('refreshToken', '')).rejects.toThrow(/cannot be set to an empty value/);
  });
});
