#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so a fresh clone needs no build:
// tsx compiles TypeScript, and a resolution hook makes workspace packages
// resolve to their src/ through the `@accessledger/source` export condition.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';

// The workspace tsconfig, wherever the command is run from: it turns on the legacy
// decorators that tsyringe's parameter injection needs.
registerTsx({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
// Registered last, so it runs first and tsx sees the added condition.
register('./source-conditions.mjs', import.meta.url);
await import('../src/main.ts');
