import { isAccessLedgerError, type ValidationCheck, type ValidationReport } from '@accessledger/core';
import type { ScimConfig } from '../config.js';
import type { ScimClient } from '../http/client.js';
import { discoverProvider, type ProviderCapabilities } from './discovery.js';

function failed(name: string, error: unknown, fix: string): ValidationCheck {
  if (!isAccessLedgerError(error)) throw error;
  return { name, ok: false, message: error.message, fix };
}

/** Credentials, discovery and the right to read Users (and Groups), changing nothing. */
export async function validateProvider(
  client: ScimClient,
  config: ScimConfig,
  signal: AbortSignal,
): Promise<ValidationReport> {
  const checks: ValidationCheck[] = [];
  const identity: Record<string, string> = { baseUrl: config.baseUrl, auth: config.auth.method };
  let capabilities: ProviderCapabilities | null = null;
  try {
    capabilities = await discoverProvider(client, signal);
    const supports = [
      capabilities.patch ? 'PATCH' : 'no PATCH (PUT of whole resources instead)',
      capabilities.filter ? 'filter' : 'no filter',
      capabilities.etag ? 'ETags' : 'no ETags',
      capabilities.cursor ? 'cursor paging' : 'index paging',
      capabilities.maxResults !== null
        ? `at most ${capabilities.maxResults} per page`
        : 'no stated page limit',
    ];
    checks.push({
      name: 'discovery',
      ok: true,
      message: `${capabilities.configPath}: ${supports.join(', ')}.`,
    });
    identity['groups'] = capabilities.groupsEndpoint === null ? 'none' : capabilities.groupsEndpoint;
  } catch (error) {
    checks.push(
      failed(
        'discovery',
        error,
        'Check baseUrl (it is the URL that /ServiceProviderConfig is under) and the credentials.',
      ),
    );
  }
  if (capabilities !== null) {
    try {
      const page = await client.list(capabilities.usersEndpoint, {}, 1, 1, signal);
      const total = page.totalResults;
      checks.push({
        name: 'read users',
        ok: true,
        message: `Users can be read${total !== undefined ? ` (${total} in all)` : ''}.`,
      });
      if (total !== undefined) identity['users'] = String(total);
    } catch (error) {
      checks.push(failed('read users', error, 'Give the integration account the right to read Users.'));
    }
    if (capabilities.groupsEndpoint !== null) {
      try {
        await client.list(capabilities.groupsEndpoint, {}, 1, 1, signal);
        checks.push({ name: 'read groups', ok: true, message: 'Groups can be read.' });
      } catch (error) {
        checks.push(failed('read groups', error, 'Give the integration account the right to read Groups.'));
      }
    }
  }
  return { ok: checks.every((check) => check.ok), checks, identity };
}
