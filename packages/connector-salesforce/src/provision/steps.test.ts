import { ConflictError, NotFoundError, PermissionError } from '@accessledger/core';
import { describe, expect, it } from 'vitest';
import type { SalesforceClient } from '../http/client.js';
import { createRecordStep, deleteRecordStep, runSteps } from './steps.js';

const signal = new AbortController().signal;

/** Only the methods the steps call; each fails the way Salesforce would. */
function failingClient(error: Error): SalesforceClient {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { create: fail, delete: fail } as unknown as SalesforceClient;
}

describe('write steps', () => {
  it('treat DUPLICATE_VALUE on create as already held (a race), and report no change', async () => {
    const duplicate = new ConflictError('duplicate', { upstreamCode: 'DUPLICATE_VALUE' });
    const step = createRecordStep(
      failingClient(duplicate),
      'GroupMember',
      { GroupId: '00G000000000001AAA', UserOrGroupId: '005000000000001AAA' },
      'Add user to group',
    );
    const result = await runSteps([step], { dryRun: false, signal });
    expect(result).toEqual({ changed: false, dryRun: false, calls: [step.call] });
  });

  it('treat a row already deleted as the wanted state, and pass other failures on', async () => {
    const gone = deleteRecordStep(
      failingClient(new NotFoundError('gone', { upstreamCode: 'NOT_FOUND' })),
      'GroupMember',
      '011000000000001AAA',
      'Remove membership',
    );
    expect(await gone.perform(signal)).toBe('already');
    const refused = deleteRecordStep(
      failingClient(new PermissionError('no', { upstreamCode: 'INSUFFICIENT_ACCESS' })),
      'GroupMember',
      '011000000000001AAA',
      'Remove membership',
    );
    await expect(refused.perform(signal)).rejects.toThrow(PermissionError);
  });

  it('plan without calling anything on a dry run', async () => {
    const step = createRecordStep(failingClient(new Error('must not be called')), 'GroupMember', {}, 'Add');
    expect(await runSteps([step], { dryRun: true, signal })).toEqual({
      changed: true,
      dryRun: true,
      calls: [
        { method: 'POST', path: '/services/data/v63.0/sobjects/GroupMember', body: {}, description: 'Add' },
      ],
    });
  });
});
