import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './store.js';
import type { ScimServerSettings } from './settings.js';

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function listOf(resources: readonly unknown[]): Record<string, unknown> {
  return {
    schemas: [LIST],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  };
}

/** RFC 7643 §5, with RFC 9865 §4's `pagination` when cursors are offered. */
export function serviceProviderConfig(
  settings: ScimServerSettings,
  baseUrl: string,
): Record<string, unknown> {
  const schemes: Record<string, unknown>[] = [];
  if (settings.auth.kind === 'bearer' || settings.auth.kind === 'oauth') {
    schemes.push({
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: 'Authentication with a bearer token (RFC 6750)',
      specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
      primary: true,
    });
  }
  if (settings.auth.kind === 'basic') {
    schemes.push({
      type: 'httpbasic',
      name: 'HTTP Basic',
      description: 'Authentication with HTTP Basic (RFC 7617)',
      specUri: 'https://www.rfc-editor.org/rfc/rfc7617',
      primary: true,
    });
  }
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://www.rfc-editor.org/rfc/rfc7644',
    patch: { supported: settings.patch },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: settings.filter, maxResults: settings.maxResults },
    changePassword: { supported: false },
    sort: { supported: settings.sort },
    etag: { supported: settings.etag },
    authenticationSchemes: schemes,
    ...(settings.cursor
      ? {
          pagination: {
            cursor: true,
            index: true,
            defaultPaginationMethod: 'index',
            defaultPageSize: settings.maxResults,
            maxPageSize: settings.maxResults,
            cursorTimeout: 3600,
          },
        }
      : {}),
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(settings: ScimServerSettings, baseUrl: string): Record<string, unknown>[] {
  const types: Record<string, unknown>[] = [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      ...(settings.enterprise ? { schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }] } : {}),
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
  ];
  if (settings.groups) {
    types.push({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    });
  }
  return types;
}

function attribute(name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...extra,
  };
}

const multiValue = (name: string, extra: Record<string, unknown> = {}) =>
  attribute(name, 'complex', {
    multiValued: true,
    subAttributes: [
      attribute('value', 'string'),
      attribute('display', 'string'),
      attribute('type', 'string'),
      attribute('primary', 'boolean'),
    ],
    ...extra,
  });

/** RFC 7643 §7 definitions for the attributes this server keeps (a subset of §8.7.1). */
export function schemaDefinitions(settings: ScimServerSettings, baseUrl: string): Record<string, unknown>[] {
  const definitions: Record<string, unknown>[] = [
    {
      id: USER_SCHEMA,
      name: 'User',
      description: 'User Account',
      attributes: [
        attribute('userName', 'string', { required: true, uniqueness: 'server' }),
        attribute('externalId', 'string', { caseExact: true }),
        attribute('name', 'complex', {
          subAttributes: ['formatted', 'familyName', 'givenName', 'middleName'].map((sub) =>
            attribute(sub, 'string'),
          ),
        }),
        attribute('displayName', 'string'),
        attribute('title', 'string'),
        attribute('active', 'boolean'),
        multiValue('emails'),
        multiValue('phoneNumbers'),
        multiValue('roles'),
        multiValue('entitlements'),
        multiValue('groups', { mutability: 'readOnly' }),
      ],
    },
  ];
  if (settings.enterprise) {
    definitions.push({
      id: ENTERPRISE_SCHEMA,
      name: 'EnterpriseUser',
      description: 'Enterprise User',
      attributes: [
        attribute('employeeNumber', 'string'),
        attribute('costCenter', 'string'),
        attribute('organization', 'string'),
        attribute('division', 'string'),
        attribute('department', 'string'),
        attribute('manager', 'complex', {
          subAttributes: [
            attribute('value', 'string'),
            attribute('$ref', 'reference'),
            attribute('displayName', 'string', { mutability: 'readOnly' }),
          ],
        }),
      ],
    });
  }
  if (settings.groups) {
    definitions.push({
      id: GROUP_SCHEMA,
      name: 'Group',
      description: 'Group',
      attributes: [attribute('displayName', 'string', { required: true }), multiValue('members')],
    });
  }
  return definitions.map((definition) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    ...definition,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${String(definition['id'])}` },
  }));
}
