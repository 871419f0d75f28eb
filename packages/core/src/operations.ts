import type { JsonObject, JsonValue } from './json.js';
import type { EntitlementRef } from './model.js';

/** Fields of a new account; what else a connector requires goes in `attributes` and its config. */
export interface NewAccount {
  readonly username: string;
  readonly email: string;
  readonly displayName: string;
  readonly firstName?: string;
  readonly lastName?: string;
  /** Entitlements to hold from the start; an exclusive type (a Salesforce profile) is usually required. */
  readonly entitlements?: readonly EntitlementRef[];
  readonly attributes?: JsonObject;
}

export interface AccountChanges {
  readonly email?: string;
  readonly displayName?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly attributes?: JsonObject;
}

interface OpBase {
  /** Plan only: return the exact calls that would be made and change nothing. */
  readonly dryRun?: boolean;
}

/**
 * A change to access. Granting an entitlement of an exclusive type replaces
 * the one held (a Salesforce profile); revoking one is refused with
 * `InvalidInputError` because an account must hold exactly one.
 */
export type ProvisionOp =
  | (OpBase & { readonly kind: 'createAccount'; readonly account: NewAccount })
  | (OpBase & {
      readonly kind: 'updateAccount';
      readonly accountExternalId: string;
      readonly changes: AccountChanges;
    })
  | (OpBase & {
      readonly kind: 'grant';
      readonly accountExternalId: string;
      readonly entitlement: EntitlementRef;
      readonly expiresAt?: Date;
    })
  | (OpBase & {
      readonly kind: 'revoke';
      readonly accountExternalId: string;
      readonly entitlement: EntitlementRef;
    });

export type ProvisionOpKind = ProvisionOp['kind'];

/** Ways to take access away from an account. Deactivation never deletes. */
export type DeprovisionAction =
  | (OpBase & { readonly kind: 'deactivate'; readonly accountExternalId: string })
  | (OpBase & { readonly kind: 'release'; readonly accountExternalId: string })
  | (OpBase & {
      readonly kind: 'transfer';
      readonly accountExternalId: string;
      /** The account that becomes owner of the records. */
      readonly toAccountExternalId: string;
      /** Record types to move; the connector's default list when absent. */
      readonly objectTypes?: readonly string[];
      /** From a previous `IncompleteOperationError`'s `partial.resumeToken`, to continue where it stopped. */
      readonly resumeToken?: string;
    });

export type DeprovisionKind = DeprovisionAction['kind'];

/** One call to the application, made or (with dryRun) planned. */
export interface PlannedCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the application's API host. */
  readonly path: string;
  readonly body?: JsonValue;
  /** What the call does, in words, for audit trails and dry-run output. */
  readonly description: string;
}

export interface OpResult {
  /** Whether the application's state changed (or, with dryRun, would change). */
  readonly changed: boolean;
  readonly dryRun: boolean;
  readonly calls: readonly PlannedCall[];
  /** The new account's id after `createAccount`. */
  readonly createdExternalId?: string;
  readonly summary?: string;
}
