import type { SObjectRecord } from '../../soql/types.js';
import type { FieldValue, StoredRecord } from '../table.js';
import type { OrgWriter } from '../writer.js';

/** Org settings that change how rules behave; EmulatedOrg.settings holds the same object. */
export interface RuleSettings {
  /**
   * Help "Set Assignment Expiration Details…": expiration dates need "Permission Set &
   * Permission Set Group Assignments with Expiration Dates" on in User Management Settings.
   */
  assignmentExpirationEnabled: boolean;
  /** 'deferred' leaves changed permission set groups 'Outdated' until recalculated. */
  permissionSetGroupRecalculation: 'immediate' | 'deferred';
}

/** Who is writing: the session user (the record owner by default; cannot deactivate themself). */
export interface WriteContext {
  readonly sessionUserId: string | undefined;
}

/** One object's Salesforce rules, run by OrgWriter around the generic checks. Each hook throws SalesforceApiError. */
export interface ObjectRules {
  readonly defaults?: Readonly<Record<string, FieldValue>>;
  applyDefaults?(candidate: StoredRecord, context: WriteContext, writer: OrgWriter): void;
  beforeInsert?(candidate: StoredRecord, context: WriteContext, writer: OrgWriter): void;
  afterInsert?(record: StoredRecord, context: WriteContext, writer: OrgWriter): void;
  beforeUpdate?(
    record: StoredRecord,
    changes: Record<string, FieldValue>,
    context: WriteContext,
    writer: OrgWriter,
  ): void;
  afterUpdate?(record: StoredRecord, before: SObjectRecord, context: WriteContext, writer: OrgWriter): void;
  beforeDelete?(record: StoredRecord, context: WriteContext, writer: OrgWriter): void;
  afterDelete?(record: StoredRecord, context: WriteContext, writer: OrgWriter): void;
}
