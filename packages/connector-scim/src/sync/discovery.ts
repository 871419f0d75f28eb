import { ScimSchemas } from '@accessledger/connector-kit';
import type { ScimClient } from '../http/client.js';

/** What the provider said it supports (RFC 7643 §5), and which resource types and attributes it has. */
export interface ProviderCapabilities {
  readonly patch: boolean;
  readonly filter: boolean;
  /** The most resources it sends in one answer; null when it did not say. */
  readonly maxResults: number | null;
  readonly bulk: boolean;
  readonly etag: boolean;
  readonly sort: boolean;
  /** RFC 9865 cursor paging. */
  readonly cursor: boolean;
  /** Endpoint of the Group resource type (`/Groups`), null when the provider has none. */
  readonly groupsEndpoint: string | null;
  readonly usersEndpoint: string;
  /** Whether the User schema has `roles` / `entitlements`; true when the provider serves no Schemas. */
  readonly userRoles: boolean;
  readonly userEntitlements: boolean;
  /** Where the config was read, e.g. `ServiceProviderConfig`. */
  readonly configPath: string;
}

interface ServiceProviderConfig {
  readonly patch?: { readonly supported?: boolean };
  readonly filter?: { readonly supported?: boolean; readonly maxResults?: number };
  readonly bulk?: { readonly supported?: boolean };
  readonly etag?: { readonly supported?: boolean };
  readonly sort?: { readonly supported?: boolean };
  readonly pagination?: { readonly cursor?: boolean; readonly maxPageSize?: number };
}

interface ListOf<T> {
  readonly Resources?: readonly T[];
}

interface ResourceType {
  readonly id?: string;
  readonly name?: string;
  readonly endpoint?: string;
  readonly schema?: string;
}

interface SchemaDefinition {
  readonly id?: string;
  readonly attributes?: readonly { readonly name?: string }[];
}

/**
 * Discovery first: ServiceProviderConfig (RFC 7644 §4; Salesforce documents
 * the plural `ServiceProviderConfigs`, so that is tried when the singular is
 * absent), then ResourceTypes and Schemas. A provider without them is taken
 * to have Users with every core attribute, and Groups if `/Groups` answers:
 * the conservative reading reports access rather than hide it.
 */
export async function discoverProvider(
  client: ScimClient,
  signal: AbortSignal,
): Promise<ProviderCapabilities> {
  let configPath = 'ServiceProviderConfig';
  let config = await client.discover<ServiceProviderConfig>(configPath, signal);
  if (config === null) {
    configPath = 'ServiceProviderConfigs';
    config = await client.discover<ServiceProviderConfig>(configPath, signal);
  }
  const types = await client.discover<ListOf<ResourceType>>('ResourceTypes', signal);
  const schemas = await client.discover<ListOf<SchemaDefinition>>('Schemas', signal);
  const typeList = types?.Resources ?? null;
  // Without ResourceTypes, whether Groups exist is asked of Groups itself (one resource).
  const groupsProbe = typeList === null ? await client.discover<unknown>('Groups?count=1', signal) : null;
  const userType = typeList?.find((type) => type.schema === ScimSchemas.user || type.id === 'User');
  const groupType = typeList?.find((type) => type.schema === ScimSchemas.group || type.id === 'Group');
  const userSchema = schemas?.Resources?.find((schema) => schema.id === ScimSchemas.user);
  const userAttributes = userSchema?.attributes?.map((attribute) => attribute.name?.toLowerCase());
  const maxResults = [config?.filter?.maxResults, config?.pagination?.maxPageSize].filter(
    (value): value is number => typeof value === 'number' && value > 0,
  );
  return {
    patch: config?.patch?.supported === true,
    filter: config?.filter?.supported === true,
    maxResults: maxResults.length > 0 ? Math.min(...maxResults) : null,
    bulk: config?.bulk?.supported === true,
    etag: config?.etag?.supported === true,
    sort: config?.sort?.supported === true,
    cursor: config?.pagination?.cursor === true,
    usersEndpoint: endpointOf(userType, 'Users'),
    groupsEndpoint:
      typeList === null
        ? groupsProbe === null
          ? null
          : 'Groups'
        : groupType
          ? endpointOf(groupType, 'Groups')
          : null,
    userRoles: userAttributes === undefined || userAttributes.includes('roles'),
    userEntitlements: userAttributes === undefined || userAttributes.includes('entitlements'),
    configPath: config === null ? 'none' : configPath,
  };
}

function endpointOf(type: ResourceType | undefined, fallback: string): string {
  const endpoint = type?.endpoint?.replace(/^\/+/, '');
  return endpoint && /^[A-Za-z][\w-]*$/.test(endpoint) ? endpoint : fallback;
}
