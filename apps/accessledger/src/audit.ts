import {
  createRunContext,
  IncompleteOperationError,
  toErrorInfo,
  type Connector,
  type JsonObject,
  type OpResult,
  type PlannedCall,
  type RunContext,
} from '@accessledger/core';
import type { Connection } from '@accessledger/storage';
import { hostname, userInfo } from 'node:os';
import type { CliIo } from './cli-io.js';
import { openRuntime, type Runtime } from './runtime.js';

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

/** A connection opened for one provisioning command: its connector, a run context, and the audit trail. */
export interface ProvisioningSession {
  readonly runtime: Runtime;
  readonly connection: Connection;
  readonly connector: Connector;
  readonly ctx: RunContext;
  /**
   * Runs one provisioning or deprovisioning action with its audit entry:
   * begun before the connector makes a call, finished with the outcome, the
   * calls and the error code. Dry runs are recorded too.
   */
  audited(action: AuditedAction, work: () => Promise<OpResult>): Promise<OpResult>;
}

/** Opens the runtime and the named connection for one provisioning command, and closes them after. */
export async function withProvisioningSession<T>(
  io: CliIo,
  name: string,
  work: (session: ProvisioningSession) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime({ env: io.env });
  try {
    const connection = await runtime.connectionNamed(name);
    const connector = runtime.connectorOf(connection);
    // The connector's count of API requests, passed on to the audit entry.
    let apiRequests: number | null = null;
    const ctx = createRunContext({
      credentials: runtime.credentialsOf(connection),
      logger: runtime.logger,
      progress: {
        report: (progress) => {
          if (progress.usage) apiRequests = progress.usage.requests;
        },
      },
    });
    return await work({
      runtime,
      connection,
      connector,
      ctx,
      audited: (action, run) => audited(runtime, connection, action, run, () => apiRequests),
    });
  } finally {
    await runtime.close();
  }
}

function callsJson(calls: readonly PlannedCall[]): JsonObject[] {
  return calls.map((call): JsonObject => ({
    method: call.method,
    path: call.path,
    description: call.description,
    ...(call.body !== undefined ? { body: call.body } : {}),
  }));
}

async function audited(
  runtime: Runtime,
  connection: Connection,
  action: AuditedAction,
  work: () => Promise<OpResult>,
  apiRequests: () => number | null,
): Promise<OpResult> {
  const id = await runtime.audit.begin({
    connectionId: connection.id,
    connectionName: connection.name,
    ...action,
    osUser: osUser(),
    host: hostname(),
  });
  try {
    const result = await work();
    await runtime.audit.finish(id, {
      outcome: result.changed ? 'changed' : 'unchanged',
      calls: callsJson(result.calls),
      apiRequests: apiRequests(),
    });
    return result;
  } catch (error) {
    // An operation that stopped part-way made calls: they belong in the entry with what is left.
    const partial = error instanceof IncompleteOperationError ? error.partial : undefined;
    await runtime.audit.finish(id, {
      outcome: partial ? 'partial' : 'failed',
      calls: partial ? callsJson(partial.calls) : [],
      apiRequests: apiRequests(),
      error: toErrorInfo(error),
    });
    throw error;
  }
}
