import { describe, expect, it } from 'vitest';
import { decodeResumeToken, encodeResumeToken, MAX_BATCH_SUBREQUESTS, ownerBatch } from './transfer.js';

describe('transfer planning', () => {
  it('builds one PATCH of OwnerId per record, relative to /services/data, without halting on errors', () => {
    const batch = ownerBatch('Account', ['001000000000001AAA', '001000000000002AAA'], '005000000000002AAA');
    expect(batch).toEqual({
      haltOnError: false,
      batchRequests: [
        {
          method: 'PATCH',
          url: 'v63.0/sobjects/Account/001000000000001AAA',
          richInput: { OwnerId: '005000000000002AAA' },
        },
        {
          method: 'PATCH',
          url: 'v63.0/sobjects/Account/001000000000002AAA',
          richInput: { OwnerId: '005000000000002AAA' },
        },
      ],
    });
    const tooMany = Array.from({ length: MAX_BATCH_SUBREQUESTS + 1 }, () => '001000000000001AAA');
    expect(() => ownerBatch('Account', tooMany, '005000000000002AAA')).toThrow(/1 to 25 subrequests/);
  });

  it('round-trips a resume token and refuses anything else', () => {
    const progress = {
      from: '005000000000001AAA',
      to: '005000000000002AAA',
      remaining: ['Opportunity', 'Task'],
    };
    const token = encodeResumeToken(progress);
    expect(decodeResumeToken(token)).toEqual(progress);
    expect(() => decodeResumeToken('not a token')).toThrow(/resumeToken is not one this connector issued/);
    expect(() => decodeResumeToken(Buffer.from('{"v":2}').toString('base64url'))).toThrow(
      /not one this connector issued/,
    );
  });
});
