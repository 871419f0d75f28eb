import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point one way: apps -> scheduler, storage, connectors -> kit -> core.
 * Connectors never import storage or the scheduler; storage and the scheduler
 * never import a connector; the connector kit imports only core; core imports
 * no workspace package. Test files may also use the emulators, the SCIM test
 * server and core's testing kit.
 */
const workspaceRoot = join(import.meta.dirname, '..', '..');

const productRules: Record<string, (target: string) => boolean> = {
  core: () => false,
  storage: (target) => target === 'core',
  scheduler: (target) => target === 'core',
  'salesforce-emulator': () => false,
  'test-postgres': () => false,
  'scim-test-server': () => false,
  'connector-kit': (target) => target === 'core',
  connector: (target) => target === 'core' || target === 'connector-kit',
};

function ruleFor(dir: string): ((target: string) => boolean) | undefined {
  if (dir !== 'connector-kit' && dir.startsWith('connector-')) return productRules['connector'];
  return productRules[dir];
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) found.push(path);
  }
  return found;
}

const isTestFile = (path: string): boolean =>
  /\.test\.ts$|[/\\]test[/\\]|test-fixtures|[/\\]testing[/\\]/.test(path);

function violations(): string[] {
  const found: string[] = [];
  const packagesDir = join(workspaceRoot, 'packages');
  for (const dir of readdirSync(packagesDir)) {
    const rule = ruleFor(dir);
    if (!rule) {
      found.push(`packages/${dir} has no dependency rule: add one to tools/src/dependency-rules.test.ts`);
      continue;
    }
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const target = name.startsWith('@accessledger/') ? name.slice('@accessledger/'.length) : undefined;
      if (target && !rule(target)) found.push(`packages/${dir}/package.json depends on ${name}`);
    }
    for (const file of sourceFiles(join(packagesDir, dir, 'src'))) {
      if (isTestFile(file)) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from\s+'@accessledger\/([a-z-]+)/g)) {
        const target = match[1] ?? '';
        if (!rule(target)) found.push(`${relative(workspaceRoot, file)} imports @accessledger/${target}`);
      }
    }
  }
  return found;
}

describe('workspace dependency direction', () => {
  it('keeps every package to the dependencies its layer allows', () => {
    expect(violations()).toEqual([]);
  });

  it('would notice a connector importing storage', () => {
    const rule = ruleFor('connector-salesforce');
    expect(rule?.('core')).toBe(true);
    expect(rule?.('storage')).toBe(false);
    expect(rule?.('scheduler')).toBe(false);
    expect(ruleFor('storage')?.('connector-salesforce')).toBe(false);
  });

  it('lets connectors use the kit, and the kit nothing but core', () => {
    expect(ruleFor('connector-scim')?.('connector-kit')).toBe(true);
    expect(ruleFor('connector-kit')?.('core')).toBe(true);
    expect(ruleFor('connector-kit')?.('connector-salesforce')).toBe(false);
    expect(ruleFor('connector-kit')?.('storage')).toBe(false);
    expect(ruleFor('core')?.('connector-kit')).toBe(false);
    expect(ruleFor('connector-scim')?.('scim-test-server')).toBe(false);
  });
});
