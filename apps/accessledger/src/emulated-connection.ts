import { ConflictError } from '@accessledger/core';
import { CredentialNames } from '@accessledger/connector-salesforce';
import type { EmulatorHandle } from '@accessledger/salesforce-emulator';
import type { Connection, ConnectionSchedule } from '@accessledger/storage';
import type { Runtime } from './runtime.js';

/**
 * Points a Salesforce connection at an emulated org (client credentials over
 * loopback), creating it or updating it in place: the emulator's port changes
 * from run to run. The client secret is stored encrypted like any other.
 */
export async function connectToEmulatedOrg(
  runtime: Runtime,
  name: string,
  emulator: Pick<EmulatorHandle, 'baseUrl' | 'connectedApp'>,
  /** Left as it is when not given. */
  schedule?: ConnectionSchedule | null,
): Promise<Connection> {
  const config = {
    domain: emulator.baseUrl,
    allowCustomHosts: true,
    auth: { flow: 'client-credentials', clientId: emulator.connectedApp.clientId },
  };
  runtime.registry.parseConfig({ name, connectorId: 'salesforce', config });
  const existing = await runtime.connections.getByName(name);
  if (existing && existing.connectorId !== 'salesforce') {
    throw new ConflictError(
      `Connection "${name}" exists and is not a Salesforce connection: pick another name.`,
    );
  }
  const connection = existing
    ? await runtime.connections.update(existing.id, {
        config,
        ...(schedule !== undefined ? { schedule } : {}),
      })
    : await runtime.connections.create({
        connectorId: 'salesforce',
        name,
        config,
        schedule: schedule ?? null,
      });
  await runtime
    .credentialsOf(connection)
    .set(CredentialNames.clientSecret, emulator.connectedApp.clientSecret);
  return connection;
}
