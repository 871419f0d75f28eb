import { badRequest } from '../errors.js';
import type { ObjectRules } from './types.js';
import type { OrgStore } from '../store.js';

const MEMBER_GROUP_TYPES = new Set(['Regular', 'Queue']);

function developerNameFrom(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `X${cleaned}`;
}

function removeMemberships(store: OrgStore, id: string): void {
  const members = store.table('GroupMember');
  for (const memberId of [...members.idsWhere('GroupId', id), ...members.idsWhere('UserOrGroupId', id)]) {
    store.deleteRaw('GroupMember', memberId);
  }
}

export const groupRules: ObjectRules = {
  defaults: { Type: 'Regular' },
  applyDefaults(candidate, context) {
    candidate.OwnerId = context.sessionUserId ?? null;
  },
  beforeInsert(candidate) {
    if (!MEMBER_GROUP_TYPES.has(String(candidate.Type))) {
      // Role, territory and organization groups are maintained by Salesforce itself.
      throw badRequest(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Type: bad value for restricted picklist field: ${String(candidate.Type)}`,
        ['Type'],
      );
    }
    if (candidate.DeveloperName === null) candidate.DeveloperName = developerNameFrom(String(candidate.Name));
  },
  beforeUpdate(record, changes) {
    if ('Type' in changes && changes.Type !== record.Type) {
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', 'The type of a group cannot be changed.', ['Type']);
    }
  },
  beforeDelete(record) {
    if (!MEMBER_GROUP_TYPES.has(String(record.Type))) {
      throw badRequest(
        'DELETE_FAILED',
        `Groups of type ${String(record.Type)} are maintained by Salesforce and cannot be deleted.`,
      );
    }
  },
  afterDelete(record, _context, writer) {
    removeMemberships(writer.store, record.Id as string);
  },
};

export const groupMemberRules: ObjectRules = {
  beforeInsert(candidate, _context, writer) {
    const group = writer.store.table('Group').live.get(String(candidate.GroupId));
    if (group !== undefined && !MEMBER_GROUP_TYPES.has(String(group.Type))) {
      throw badRequest(
        'FIELD_INTEGRITY_EXCEPTION',
        `Members cannot be added to a group of type ${String(group.Type)}; Salesforce maintains its membership.`,
        ['GroupId'],
      );
    }
    if (candidate.GroupId === candidate.UserOrGroupId) {
      throw badRequest('FIELD_INTEGRITY_EXCEPTION', 'A group cannot be a member of itself.', [
        'UserOrGroupId',
      ]);
    }
  },
};

export const userRoleRules: ObjectRules = {
  beforeInsert(candidate) {
    if (candidate.DeveloperName === null) candidate.DeveloperName = developerNameFrom(String(candidate.Name));
  },
  afterInsert(record, _context, writer) {
    // Every role has a Role group and a RoleAndSubordinates group, as in a real org; an internal
    // role also has RoleAndSubordinatesInternal (its subtree without portal roles).
    const internal = record.PortalType === null || record.PortalType === 'None';
    for (const type of internal
      ? ['Role', 'RoleAndSubordinates', 'RoleAndSubordinatesInternal']
      : ['Role', 'RoleAndSubordinates']) {
      writer.store.insertRaw('Group', {
        Name: '',
        DeveloperName: record.DeveloperName ?? null,
        Type: type,
        RelatedId: record.Id ?? null,
        DoesIncludeBosses: false,
        DoesSendEmailToMembers: false,
        OwnerId: writer.store.organizationId,
      });
    }
  },
  beforeDelete(record, _context, writer) {
    if (writer.store.table('User').idsWhere('UserRoleId', record.Id as string).length > 0) {
      throw badRequest(
        'DELETE_FAILED',
        'Your attempt to delete this role failed because users are assigned to it.',
      );
    }
  },
  afterDelete(record, _context, writer) {
    const store = writer.store;
    for (const groupId of [...store.table('Group').idsWhere('RelatedId', record.Id as string)]) {
      removeMemberships(store, groupId);
      store.deleteRaw('Group', groupId);
    }
  },
};
