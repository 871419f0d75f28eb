import { basename, join } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';

const workspaceRoot = import.meta.dirname;

/**
 * One test configuration for every package: sources of sibling packages are
 * resolved through the `@accessledger/source` export condition, so tests never
 * need a build first.
 */
export function sharedTestConfig(root: string): ViteUserConfig {
  return {
    root,
    resolve: { conditions: ['@accessledger/source'] },
    ssr: { resolve: { conditions: ['@accessledger/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // One JSON report per package; .ci/run sums them into a closing line.
      reporters: [
        'default',
        ['json', { outputFile: join(workspaceRoot, '.test-results', `${basename(root)}.json`) }],
      ],
    },
  };
}
