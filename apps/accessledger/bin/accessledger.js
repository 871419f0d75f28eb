#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so a fresh clone needs no build.
// Normally from a bundle of them that bin/bundle.mjs keeps up to date; where it
// cannot be built, through tsx, with a resolution hook that makes workspace
// packages resolve to their src/ through the `@accessledger/source` condition.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundledCli } from './bundle.mjs';

const bundle = await bundledCli();
if (bundle) {
  // Stack traces name the TypeScript sources.
  process.setSourceMapsEnabled(true);
  // Before any chunk: esbuild hoists shared chunks (which load tsyringe) above main's own imports.
  await import('reflect-metadata');
  await import(bundle);
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  // The workspace tsconfig, wherever the command is run from: it turns on the legacy
  // decorators that tsyringe's parameter injection needs.
  registerTsx({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
  // Registered last, so it runs first and tsx sees the added condition.
  register('./source-conditions.mjs', import.meta.url);
  await import('../src/main.ts');
}
