import { describe, expect, it } from 'vitest';
import { parseOrgDomain } from './domains.js';

describe('parseOrgDomain', () => {
  it('knows the login and test hosts', () => {
    expect(parseOrgDomain('login')).toMatchObject({
      kind: 'production',
      loginUrl: 'https://login.salesforce.com',
    });
    expect(parseOrgDomain('https://test.salesforce.com/')).toMatchObject({
      kind: 'sandbox',
      isSandbox: true,
    });
  });

  it('parses My Domain hosts and URLs pasted from the browser', () => {
    expect(parseOrgDomain('Acme.my.salesforce.com')).toMatchObject({
      kind: 'my-domain',
      loginUrl: 'https://acme.my.salesforce.com',
      myDomain: 'acme',
    });
    expect(parseOrgDomain('https://acme-corp--uat.sandbox.my.salesforce.com/home/home.jsp')).toEqual({
      kind: 'my-domain-sandbox',
      loginUrl: 'https://acme-corp--uat.sandbox.my.salesforce.com',
      myDomain: 'acme-corp',
      sandboxName: 'uat',
      isSandbox: true,
    });
    expect(parseOrgDomain('acme-dev-ed.develop.my.salesforce.com').kind).toBe('developer-edition');
  });

  it('reports a sandbox host whose "--" became "-"', () => {
    expect(() => parseOrgDomain('acme-uat.sandbox.my.salesforce.com')).toThrow(
      /without "--".*Did you mean acme--uat\.sandbox\.my\.salesforce\.com\?/,
    );
    expect(() => parseOrgDomain('acme--uat.my.salesforce.com')).toThrow(/lacks "\.sandbox"/);
  });

  it('points from the Lightning UI host to the My Domain host', () => {
    expect(() => parseOrgDomain('https://acme.lightning.force.com/lightning/page/home')).toThrow(
      /Lightning UI host.*use acme\.my\.salesforce\.com/,
    );
  });

  it('refuses hosts that are not Salesforce unless custom hosts are allowed, and plain http off loopback', () => {
    expect(() => parseOrgDomain('example.com')).toThrow(/not a Salesforce login host/);
    expect(parseOrgDomain('http://127.0.0.1:8443', { allowCustomHosts: true })).toMatchObject({
      kind: 'custom',
      loginUrl: 'http://127.0.0.1:8443',
    });
    expect(() => parseOrgDomain('http://10.0.0.5', { allowCustomHosts: true })).toThrow(
      /not a loopback host/,
    );
    expect(() => parseOrgDomain('https://proxy.example.com', { allowCustomHosts: true })).toThrow(
      /accepts only localhost and loopback IP literals/,
    );
    expect(parseOrgDomain('https://localhost:8443', { allowCustomHosts: true }).loginUrl).toBe(
      'https://localhost:8443',
    );
    expect(() => parseOrgDomain('http://acme.my.salesforce.com')).toThrow(/only reached over https/);
  });
});
