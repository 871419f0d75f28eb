#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so a fresh clone needs no build:
// tsx compiles TypeScript, and a resolution hook makes workspace packages
// resolve to their src/ through the `@accessledger/source` export condition.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Registered last, so it runs first and tsx sees the added condition.
register('./source-conditions.mjs', import.meta.url);
await import('../src/main.ts');
