import { describe, expect, it } from 'vitest';
import { salesforceConfigSchema } from './config.js';

const auth = { flow: 'jwt-bearer', clientId: '3MVG9abc', username: 'integration@acme.com' };

describe('salesforceConfigSchema', () => {
  it('fills the defaults', () => {
    expect(salesforceConfigSchema.parse({ domain: 'acme.my.salesforce.com', auth })).toEqual({
      domain: 'acme.my.salesforce.com',
      auth,
      allowCustomHosts: false,
      apiVersion: '63.0',
      minRemainingApiCalls: 1000,
      queryBatchSize: 2000,
      concurrency: 4,
      queryRanges: 4,
      transferObjects: ['Account', 'Opportunity', 'Task'],
      scim: 'auto',
    });
  });

  it('reports a sandbox host whose -- became - on the domain field, with the fix', () => {
    const result = salesforceConfigSchema.safeParse({ domain: 'acme-uat.sandbox.my.salesforce.com', auth });
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((entry) => entry.path[0] === 'domain');
    expect(issue?.message).toContain('acme--uat.sandbox.my.salesforce.com');
  });

  it('refuses loopback hosts unless custom hosts are allowed', () => {
    expect(salesforceConfigSchema.safeParse({ domain: 'http://127.0.0.1:8443', auth }).success).toBe(false);
    expect(
      salesforceConfigSchema.safeParse({ domain: 'http://127.0.0.1:8443', auth, allowCustomHosts: true })
        .success,
    ).toBe(true);
  });

  it('says how to fix auth, bounds and unknown keys', () => {
    const result = salesforceConfigSchema.safeParse({
      domain: 'login',
      auth: { flow: 'jwt-bearer', clientId: 'x' },
      queryBatchSize: 50,
      concurrency: 20,
      extra: true,
    });
    const messages = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(
      messages.some((message) => message.startsWith('auth.username') && message.includes('integration user')),
    ).toBe(true);
    expect(messages.some((message) => message.startsWith('queryBatchSize') && message.includes('200'))).toBe(
      true,
    );
    expect(messages.some((message) => message.startsWith('concurrency') && message.includes('8'))).toBe(true);
    expect(messages.some((message) => message.includes('extra'))).toBe(true);
    const flow = salesforceConfigSchema.safeParse({ domain: 'login', auth: { flow: 'password' } });
    expect(flow.error?.issues[0]?.message).toContain('jwt-bearer');
  });
});
