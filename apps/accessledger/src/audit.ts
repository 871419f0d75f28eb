import { toErrorInfo, type JsonObject, type OpResult } from '@accessledger/core';
import type { Connection } from '@accessledger/storage';
import { hostname, userInfo } from 'node:os';
import type { Runtime } from './runtime.js';

/** What a provisioning action is, for its audit entry. */
export interface AuditedAction {
  readonly operation: string;
  readonly accountExternalId: string | null;
  readonly target: JsonObject;
  readonly dryRun: boolean;
}

/** The operating-system user running this process; containers without a passwd entry fall back to $USER. */
export function osUser(env: Readonly<Record<string, string | undefined>> = process.env): string {
  try {
    return userInfo().username;
  } catch {
    return env['USER'] ?? env['LOGNAME'] ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * Runs one provisioning or deprovisioning action with its audit entry: begun
 * before the connector makes a call, finished with the outcome, the calls
 * and the error code. Dry runs are recorded too.
 */
export async function audited(
  runtime: Runtime,
  connection: Connection,
  action: AuditedAction,
  work: (reportRequests: (requests: number) => void) => Promise<OpResult>,
): Promise<OpResult> {
  const id = await runtime.audit.begin({
    connectionId: connection.id,
    connectionName: connection.name,
    ...action,
    osUser: osUser(),
    host: hostname(),
  });
  let apiRequests: number | null = null;
  try {
    const result = await work((requests) => (apiRequests = requests));
    await runtime.audit.finish(id, {
      outcome: result.resumeToken ? 'partial' : result.changed ? 'changed' : 'unchanged',
      calls: result.calls.map((call): JsonObject => ({
        method: call.method,
        path: call.path,
        description: call.description,
        ...(call.body !== undefined ? { body: call.body } : {}),
      })),
      apiRequests,
      ...(result.resumeToken
        ? { error: { code: 'PARTIAL', message: `Stopped part-way; resume token ${result.resumeToken}` } }
        : {}),
    });
    return result;
  } catch (error) {
    await runtime.audit.finish(id, { outcome: 'failed', calls: [], apiRequests, error: toErrorInfo(error) });
    throw error;
  }
}
