import { isAccessLedgerError } from '@accessledger/core';
import { z } from 'zod';
import { parseOrgDomain, type OrgDomain } from './domains.js';

const clientId = z
  .string({
    error: 'auth.clientId is required: copy the Consumer Key from the connected app (Setup > App Manager).',
  })
  .trim()
  .min(1, {
    error: 'auth.clientId is empty: copy the Consumer Key from the connected app (Setup > App Manager).',
  });

const authSchema = z.discriminatedUnion(
  'flow',
  [
    z.strictObject({
      flow: z.literal('jwt-bearer'),
      clientId,
      username: z
        .string({ error: 'auth.username is required for jwt-bearer: the integration user to log in as.' })
        .trim()
        .min(1, { error: 'auth.username is empty: give the integration user, e.g. integration@acme.com.' }),
    }),
    z.strictObject({ flow: z.literal('client-credentials'), clientId }),
    z.strictObject({ flow: z.literal('refresh-token'), clientId }),
  ],
  {
    error:
      'auth.flow must be "jwt-bearer" (server-to-server), "client-credentials" (My Domain + run-as user) or "refresh-token" (a stored refresh token).',
  },
);

/**
 * A Salesforce connection's non-secret configuration. Secrets (private key,
 * client secret, refresh token) live in the connection's credential store.
 *
 * @example
 * ```ts
 * salesforceConfigSchema.parse({
 *   domain: 'acme.my.salesforce.com',
 *   auth: { flow: 'jwt-bearer', clientId: '3MVG9…', username: 'integration@acme.com' },
 * });
 * ```
 */
export const salesforceConfigSchema = z
  .strictObject({
    domain: z.string({
      error: 'domain is required: use "login", "test" or your My Domain, e.g. acme.my.salesforce.com.',
    }),
    auth: authSchema,
    allowCustomHosts: z.boolean().default(false),
    apiVersion: z
      .literal('63.0', {
        error: 'apiVersion must be "63.0", the version this connector is built and tested for.',
      })
      .default('63.0'),
    minRemainingApiCalls: z
      .int({ error: 'minRemainingApiCalls must be a whole number of API calls, e.g. 1000.' })
      .min(0, { error: 'minRemainingApiCalls cannot be negative: use 0 to turn the floor off.' })
      .default(1000),
    queryBatchSize: z
      .int({ error: 'queryBatchSize must be a whole number between 200 and 2000.' })
      .min(200, {
        error: "queryBatchSize must be at least 200 (Salesforce's minimum for Sforce-Query-Options).",
      })
      .max(2000, { error: "queryBatchSize can be at most 2000 (Salesforce's maximum page size)." })
      .default(2000),
    concurrency: z
      .int({ error: 'concurrency must be a whole number between 1 and 8.' })
      .min(1, { error: 'concurrency must be at least 1.' })
      .max(8, { error: 'concurrency can be at most 8: more parallel queries only burn API budget faster.' })
      .default(4),
    queryRanges: z
      .int({ error: 'queryRanges must be a whole number between 1 and 8.' })
      .min(1, { error: 'queryRanges must be at least 1 (1 reads each object through one cursor).' })
      .max(8, { error: 'queryRanges can be at most 8: each range costs up to one extra page of API calls.' })
      .default(4),
    transferObjects: z
      .array(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, {
          error: 'transferObjects lists sObject API names such as Account or Custom__c.',
        }),
      )
      .min(1, { error: 'transferObjects needs at least one sObject name, e.g. ["Account"].' })
      .default(['Account', 'Opportunity', 'Task']),
    scim: z
      .enum(['auto', 'always', 'never'], { error: 'scim must be "auto", "always" or "never".' })
      .default('auto'),
  })
  .superRefine((config, context) => {
    try {
      parseOrgDomain(config.domain, { allowCustomHosts: config.allowCustomHosts });
    } catch (error) {
      if (!isAccessLedgerError(error)) throw error;
      context.addIssue({ code: 'custom', path: ['domain'], message: error.message, input: config.domain });
    }
  });

export type SalesforceConfig = z.output<typeof salesforceConfigSchema>;
export type SalesforceConfigInput = z.input<typeof salesforceConfigSchema>;

/** The parsed login domain of a config that passed the schema. */
export function orgDomainOf(config: SalesforceConfig): OrgDomain {
  return parseOrgDomain(config.domain, { allowCustomHosts: config.allowCustomHosts });
}
