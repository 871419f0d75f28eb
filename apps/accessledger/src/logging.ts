import { createLogger, type Logger } from '@accessledger/core';
import pretty from 'pino-pretty';
import type { CliIo } from './cli-io.js';

/**
 * The daemon's logger: pino JSON lines on stdout (for log shippers) at
 * `LOG_LEVEL` (default info), or pino-pretty's readable lines when stdout is a
 * terminal. Credential-shaped keys are redacted either way (core's `createLogger`).
 */
export function daemonLogger(io: CliIo): Logger {
  const level = io.env['LOG_LEVEL'] ?? 'info';
  const stdout = io.stdout as NodeJS.WritableStream & { isTTY?: boolean };
  const destination =
    stdout.isTTY === true
      ? pretty({ colorize: true, translateTime: 'SYS:standard', ignore: 'pid,hostname', destination: stdout })
      : (stdout as unknown as NonNullable<Parameters<typeof createLogger>[0]>['destination']);
  return createLogger({ name: 'accessledger', level, ...(destination ? { destination } : {}) });
}
