import { badRequest } from '../errors.js';
import type { FieldValue } from '../table.js';
import type { ObjectRules } from './types.js';
import type { OrgWriter } from '../writer.js';

function checkOwnerActive(writer: OrgWriter, objectLabel: string, ownerId: FieldValue | undefined): void {
  if (typeof ownerId !== 'string') return;
  const owner = writer.store.table('User').live.get(ownerId);
  if (owner !== undefined && owner.IsActive !== true) {
    throw badRequest(
      'INACTIVE_OWNER_OR_USER',
      `operation performed with inactive user [${ownerId}] as owner of ${objectLabel.toLowerCase()}`,
      ['OwnerId'],
    );
  }
}

/** Rules for records with an owner (Account, Opportunity, Task): ownership goes to active users only. */
export function ownedRecordRules(
  objectLabel: string,
  defaults: Record<string, FieldValue> = {},
): ObjectRules {
  return {
    defaults,
    applyDefaults(candidate, context) {
      if (candidate.OwnerId === null) candidate.OwnerId = context.sessionUserId ?? null;
    },
    beforeInsert(candidate, _context, writer) {
      checkOwnerActive(writer, objectLabel, candidate.OwnerId);
    },
    beforeUpdate(record, changes, _context, writer) {
      if ('OwnerId' in changes && changes.OwnerId !== record.OwnerId)
        checkOwnerActive(writer, objectLabel, changes.OwnerId);
      if ('OwnerId' in changes && changes.OwnerId === null) {
        throw badRequest('REQUIRED_FIELD_MISSING', 'Required fields are missing: [OwnerId]', ['OwnerId']);
      }
    },
  };
}
