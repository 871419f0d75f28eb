import type { ScimPatch } from '@accessledger/connector-kit';
import { ConflictError, throwIfAborted, type OpResult, type PlannedCall } from '@accessledger/core';
import type { ScimClient, ScimWrite } from '../http/client.js';
import type { ScimResource, Versioned } from '../http/resources.js';
import type { ProviderCapabilities } from '../sync/discovery.js';

/** Attributes a client never sends back in a PUT: the provider owns them (RFC 7643 §3.1, §4.1.2). */
const PROVIDER_OWNED = new Set(['meta', 'groups']);

/**
 * One change to a resource read at some version, as the provider can take
 * it: PATCH operations where PATCH is supported, else PUT of the whole
 * resource with the change applied (RFC 7644 §3.5.1), with If-Match
 * whenever the provider gave a version, so that a concurrent change is
 * refused (412) instead of silently overwritten.
 */
export function changeOf<R extends ScimResource>(
  capabilities: ProviderCapabilities,
  endpoint: string,
  read: Versioned<R>,
  change: { readonly patch: ScimPatch; readonly apply: (resource: Record<string, unknown>) => void },
  description: string,
): ScimWrite {
  const path = `${endpoint}/${encodeURIComponent(read.resource.id)}`;
  const ifMatch = capabilities.etag ? read.etag : null;
  if (capabilities.patch) return { method: 'PATCH', path, body: change.patch.build(), ifMatch, description };
  const whole = structuredClone(read.resource) as Record<string, unknown>;
  for (const key of PROVIDER_OWNED) delete whole[key];
  change.apply(whole);
  return { method: 'PUT', path, body: whole, ifMatch, description };
}

/**
 * Plans from a fresh read and runs the writes (or only reports them for a
 * dry run). A 412 means the resource changed between the read and the
 * write: planned again once from a new read, then refused.
 */
export async function planAndRun(
  client: ScimClient,
  plan: () => Promise<{ readonly writes: readonly ScimWrite[]; readonly summary?: string }>,
  options: { readonly dryRun: boolean; readonly signal: AbortSignal },
): Promise<OpResult> {
  for (let attempt = 1; ; attempt += 1) {
    const planned = await plan();
    const summary = planned.summary !== undefined ? { summary: planned.summary } : {};
    const calls: PlannedCall[] = planned.writes.map((write) => client.planned(write));
    if (options.dryRun) return { changed: calls.length > 0, dryRun: true, calls, ...summary };
    try {
      for (const write of planned.writes) {
        throwIfAborted(options.signal);
        await client.write(write, options.signal);
      }
      return { changed: calls.length > 0, dryRun: false, calls, ...summary };
    } catch (error) {
      const stale = error instanceof ConflictError && error.details.httpStatus === 412;
      if (!stale || attempt >= 2) throw error;
    }
  }
}
