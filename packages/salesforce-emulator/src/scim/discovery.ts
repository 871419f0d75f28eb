import type { EmulatorResponse } from '../http/types.js';
import { scimJson } from './scim-errors.js';
import { ENTITLEMENT_SCHEMA } from './entitlements.js';
import { GROUP_SCHEMA, ROLE_SCHEMA } from './groups.js';
import { ENTERPRISE_SCHEMA, LIST_SCHEMA, USER_SCHEMA } from './user-resource.js';
import { MAX_RESULTS } from './scim-call.js';

/** Shaped after Salesforce Help "Understand the SCIM Implementation" (ServiceProviderConfigs response). */
export function serviceProviderConfig(baseUrl: string): EmulatorResponse {
  return scimJson(200, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://help.salesforce.com/HTViewHelpDoc?id=identity_scim_overview.htm',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauth2',
        name: 'OAuth v2.0',
        description: 'Authentication Scheme using the OAuth Standard',
        specUri: 'http://tools.ietf.org/html/rfc6749',
        documentationUri: `${baseUrl}/services/oauth2/authorize`,
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${baseUrl}/services/scim/v2/ServiceProviderConfig`,
    },
  });
}

const RESOURCE_TYPES = [
  { id: 'User', endpoint: '/Users', schema: USER_SCHEMA, extension: ENTERPRISE_SCHEMA },
  { id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA },
  { id: 'Entitlement', endpoint: '/Entitlements', schema: ENTITLEMENT_SCHEMA },
  { id: 'Role', endpoint: '/Roles', schema: ROLE_SCHEMA },
];

export function resourceTypes(baseUrl: string): EmulatorResponse {
  const resources = RESOURCE_TYPES.map((type) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: type.id,
    name: type.id,
    endpoint: type.endpoint,
    schema: type.schema,
    ...(type.extension !== undefined
      ? { schemaExtensions: [{ schema: type.extension, required: false }] }
      : {}),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/services/scim/v2/ResourceTypes/${type.id}` },
  }));
  return scimJson(200, {
    schemas: [LIST_SCHEMA],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  });
}

const SCHEMA_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  [USER_SCHEMA]: [
    'userName',
    'name',
    'displayName',
    'nickName',
    'title',
    'emails',
    'active',
    'entitlements',
    'roles',
    'groups',
  ],
  [ENTERPRISE_SCHEMA]: ['employeeNumber', 'division', 'department', 'organization', 'manager'],
  [GROUP_SCHEMA]: ['displayName', 'members'],
  [ENTITLEMENT_SCHEMA]: ['displayName', 'type', 'members'],
  [ROLE_SCHEMA]: ['displayName', 'parentRole'],
};

export function schemas(baseUrl: string): EmulatorResponse {
  const resources = Object.entries(SCHEMA_ATTRIBUTES).map(([id, attributes]) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name: id.split(':').at(-1),
    attributes: attributes.map((name) => ({
      name,
      multiValued: name.endsWith('s'),
      mutability: 'readWrite',
    })),
    meta: { resourceType: 'Schema', location: `${baseUrl}/services/scim/v2/Schemas/${id}` },
  }));
  return scimJson(200, {
    schemas: [LIST_SCHEMA],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  });
}
