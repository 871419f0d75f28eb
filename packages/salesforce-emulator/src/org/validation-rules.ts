import type { SObjectRecord } from '../soql/types.js';

/**
 * An org-level validation rule, like one an admin defines in Setup: when
 * `condition` is true the save fails with FIELD_CUSTOM_VALIDATION_EXCEPTION.
 *
 * @example
 * org.validationRules.push({
 *   objectName: 'User', name: 'Require_Department',
 *   errorMessage: 'Department is required', errorField: 'Department',
 *   condition: (user) => user.Department === null,
 * });
 */
export interface ValidationRule {
  readonly objectName: string;
  readonly name: string;
  readonly errorMessage: string;
  /** Field the error is shown on; omitted for a page-level error (`fields: []`). */
  readonly errorField?: string;
  /** `record` is the row as it would be saved; `previous` is undefined on insert. */
  readonly condition: (record: SObjectRecord, previous: SObjectRecord | undefined) => boolean;
}
