#!/usr/bin/env node
// Runs the CLI from its TypeScript sources, so a fresh clone needs no build.
// Normally from a bundle of them that bin/bundle.mjs keeps up to date; where it
// cannot be built, through tsx, with a resolution hook that makes workspace
// packages resolve to their src/ through the `@accessledger/source` condition.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { bundledCli } from './bundle.mjs';

// V8 lets the old generation grow up to 4× what a full collection left alive before the next one; when
// a sync held its pages as parsed objects that was 2–3× the memory the process needed, so the CLI caps
// it. At 2× an unchanged re-sync of a million grants (about 30 MB live) spends ~0.9 s in collections; at
// 1.5× it spent ~1.15 s for 13 MB less peak RSS. No hard limit: a larger org still gets the heap it
// needs. Read at every collection, so it takes effect from here; a value given on node's own command
// line (`node --heap-growing-percent=50 …/accessledger.js`) wins. NODE_OPTIONS cannot carry it: node
// refuses to start with this flag there.
if (!process.execArgv.some((flag) => flag.includes('heap-growing-percent')))
  setFlagsFromString('--heap-growing-percent=100');

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
