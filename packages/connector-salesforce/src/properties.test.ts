import { InvalidInputError, isAccessLedgerError } from '@accessledger/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertInstanceUrl, isLoopbackHost, parseOrgDomain } from './domains.js';
import { isSalesforceId, sameId, toId18 } from './salesforce-id.js';
import { select, where } from './soql.js';

/**
 * Property-based tests (fast-check) of the pieces that stand between input and
 * a wire call: the SOQL builder, the Id validator, the domain parser and the
 * host allowlist.
 */

type Token = { readonly kind: 'word' | 'symbol' | 'string'; readonly text: string };

/**
 * A SOQL lexer from the SOQL and SOSL Reference ("Quoted String Escape
 * Sequences"): a literal is single-quoted and a backslash escapes the next
 * character. Returns tokens with string literals decoded.
 */
function lex(soql: string): Token[] {
  const tokens: Token[] = [];
  const decode: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
  let index = 0;
  while (index < soql.length) {
    const char = soql.charAt(index);
    if (char === ' ') {
      index += 1;
    } else if (char === "'") {
      let value = '';
      index += 1;
      for (;;) {
        if (index >= soql.length) throw new Error(`unterminated literal in ${soql}`);
        const next = soql.charAt(index);
        if (next === '\\') {
          const escaped = soql.charAt(index + 1);
          value += decode[escaped] ?? escaped;
          index += 2;
        } else if (next === "'") {
          index += 1;
          break;
        } else {
          value += next;
          index += 1;
        }
      }
      tokens.push({ kind: 'string', text: value });
    } else if (/[A-Za-z0-9_.]/.test(char)) {
      const word = /^[A-Za-z0-9_.]+/.exec(soql.slice(index))?.[0] ?? char;
      tokens.push({ kind: 'word', text: word });
      index += word.length;
    } else {
      tokens.push({ kind: 'symbol', text: char });
      index += 1;
    }
  }
  return tokens;
}

const label = fc
  .stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/)
  .filter((text) => !text.includes('--'));

describe('the SOQL builder (property-based)', () => {
  it('keeps a statement’s structure whatever a string value holds, and the value round-trips', () => {
    const structure = lex(
      select({
        fields: ['Id', 'Name'],
        from: 'PermissionSet',
        where: where.and(where.eq('Name', 'x'), where.eq('Label', 'y')),
      }),
    ).map((token) => (token.kind === 'string' ? 'LITERAL' : token.text));
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
        (name, labelText) => {
          const tokens = lex(
            select({
              fields: ['Id', 'Name'],
              from: 'PermissionSet',
              where: where.and(where.eq('Name', name), where.eq('Label', labelText)),
            }),
          );
          expect(tokens.map((token) => (token.kind === 'string' ? 'LITERAL' : token.text))).toEqual(
            structure,
          );
          expect(tokens.filter((token) => token.kind === 'string').map((token) => token.text)).toEqual([
            name,
            labelText,
          ]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses any field or object name that is not an API name, instead of pasting it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const valid = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*$/.test(name);
        const attempt = (): string => select({ fields: [name], from: 'User' });
        if (valid) expect(attempt()).toBe(`SELECT ${name} FROM User`);
        else expect(attempt).toThrow(InvalidInputError);
      }),
      { numRuns: 500 },
    );
  });
});

const alphanumeric = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''),
);
const id15 = fc.array(alphanumeric, { minLength: 15, maxLength: 15 }).map((chars) => chars.join(''));

describe('the Id validator (property-based; Salesforce Help "What is a Salesforce ID?")', () => {
  it('extends every 15-character Id to an 18-character one that validates and names the same record', () => {
    fc.assert(
      fc.property(id15, (id) => {
        const long = toId18(id);
        expect(long).toHaveLength(18);
        expect(long.startsWith(id)).toBe(true);
        expect(isSalesforceId(long)).toBe(true);
        expect(toId18(long)).toBe(long);
        expect(sameId(id, long)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses an 18-character Id whose case was changed (the suffix encodes the case)', () => {
    fc.assert(
      fc.property(
        id15.filter((id) => /[a-zA-Z]/.test(id)),
        fc.nat(),
        (id, pick) => {
          const letters = [...id]
            .map((char, index) => ({ char, index }))
            .filter(({ char }) => /[a-zA-Z]/.test(char));
          const { char, index } = letters[pick % letters.length] as { char: string; index: number };
          const flipped = char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
          const altered = `${id.slice(0, index)}${flipped}${id.slice(index + 1)}${toId18(id).slice(15)}`;
          expect(isSalesforceId(altered)).toBe(false);
          expect(() => toId18(altered)).toThrow(InvalidInputError);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses anything that is not 15 or 18 letters and digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        fc.pre(!/^[a-zA-Z0-9]{15}$|^[a-zA-Z0-9]{18}$/.test(text));
        expect(isSalesforceId(text)).toBe(false);
        expect(() => toId18(text)).toThrow(InvalidInputError);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the domain parser (property-based; Salesforce Help "My Domain URL Formats")', () => {
  it('parses every sandbox and production My Domain, and its login URL parses to itself', () => {
    fc.assert(
      fc.property(label, label, fc.boolean(), (name, sandbox, isSandbox) => {
        // "xn--" starts an IDNA A-label (RFC 5890 §2.3.2.1): "xn--0" is invalid Punycode, and a URL
        // parser refuses that host before any rule of ours applies.
        fc.pre(!(isSandbox && name === 'xn'));
        const host = isSandbox
          ? `${name}--${sandbox}.sandbox.my.salesforce.com`
          : `${name}.my.salesforce.com`;
        const parsed = parseOrgDomain(`https://${host}/lightning/page/home`);
        expect(parsed.loginUrl).toBe(`https://${host}`);
        expect(parsed.myDomain).toBe(name);
        expect(parsed.sandboxName).toBe(isSandbox ? sandbox : null);
        expect(parseOrgDomain(parsed.loginUrl)).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('never yields a login URL off Salesforce’s https hosts, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl(), fc.domain()), (input) => {
        let parsed;
        try {
          parsed = parseOrgDomain(input);
        } catch (error) {
          expect(isAccessLedgerError(error) && error.code).toBe('INVALID_INPUT');
          return;
        }
        expect(parsed.loginUrl).toMatch(/^https:\/\/(?:[a-z0-9-]+\.)+salesforce\.com$/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the host allowlist (property-based)', () => {
  it('treats only localhost and loopback IP literals as loopback', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(isLoopbackHost(ip)).toBe(ip.split('.')[0] === '127');
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        fc.pre(domain !== 'localhost');
        expect(isLoopbackHost(domain)).toBe(false);
        expect(isLoopbackHost(`127.${domain}`)).toBe(false);
      }),
      { numRuns: 500 },
    );
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
  });

  it('accepts no custom host but localhost and loopback IP literals (today 127.attacker.example passed)', () => {
    expect(() => parseOrgDomain('http://127.attacker.example', { allowCustomHosts: true })).toThrow(
      /is not a loopback host/,
    );
    fc.assert(
      fc.property(fc.domain(), (domain) => {
        fc.pre(domain !== 'localhost' && !/(^|\.)(salesforce|salesforce-setup|force)\.com$/.test(domain));
        expect(() => parseOrgDomain(`http://${domain}`, { allowCustomHosts: true })).toThrow(
          InvalidInputError,
        );
        expect(() => parseOrgDomain(`http://127.${domain}:8080`, { allowCustomHosts: true })).toThrow(
          InvalidInputError,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('sends the bearer token only to https hosts under salesforce.com, or exactly the custom origin', () => {
    const acme = parseOrgDomain('acme.my.salesforce.com');
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), fc.domain(), (labels, other) => {
        const host = `${labels.join('.')}.salesforce.com`;
        expect(assertInstanceUrl(`https://${host}/`, acme)).toBe(`https://${host}`);
        expect(() => assertInstanceUrl(`http://${host}`, acme)).toThrow(
          /not an https host under salesforce\.com/,
        );
        expect(() => assertInstanceUrl(`https://${host}.${other}`, acme)).toThrow(/no token was sent/);
        expect(() => assertInstanceUrl(`https://${host}:8443`, acme)).toThrow(/no token was sent/);
        fc.pre(!other.endsWith('salesforce.com'));
        expect(() => assertInstanceUrl(`https://${other}`, acme)).toThrow(/no token was sent/);
      }),
      { numRuns: 500 },
    );
    const emulator = parseOrgDomain('http://127.0.0.1:4010', { allowCustomHosts: true });
    expect(assertInstanceUrl('http://127.0.0.1:4010/', emulator)).toBe('http://127.0.0.1:4010');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65_535 }), (port) => {
        fc.pre(port !== 4010);
        expect(() => assertInstanceUrl(`http://127.0.0.1:${port}`, emulator)).toThrow(
          /only the configured origin/,
        );
      }),
      { numRuns: 200 },
    );
  });
});
