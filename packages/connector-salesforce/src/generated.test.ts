import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageRoot = join(import.meta.dirname, '..');

describe('generated OpenAPI typings', () => {
  it('match openapi/salesforce.yaml (run `npm run generate -w @accessledger/connector-salesforce` when this fails)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'accessledger-openapi-'));
    try {
      const fresh = join(scratch, 'salesforce.ts');
      const cli = join(packageRoot, '..', '..', 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      execFileSync(process.execPath, [cli, 'openapi/salesforce.yaml', '-o', fresh], {
        cwd: packageRoot,
        stdio: 'pipe',
      });
      const committed = readFileSync(join(packageRoot, 'src', 'generated', 'salesforce.ts'), 'utf8');
      expect(readFileSync(fresh, 'utf8')).toBe(committed);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
