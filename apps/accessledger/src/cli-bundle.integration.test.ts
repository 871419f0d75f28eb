import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript next to the bin, without type declarations.
import { bundledCli } from '../bin/bundle.mjs';

const appDir = fileURLToPath(new URL('..', import.meta.url));

type Target = { entry: string; cacheDir: string };
const build = bundledCli as (target: Target) => Promise<string | undefined>;

/** Loads a built bundle in a fresh process (an ES module once imported stays cached in this one). */
function run(url: string): string {
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`],
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

describe('bin/bundle.mjs: the CLI runs from a cached bundle of its sources', () => {
  let project: string;
  let target: Target;

  beforeEach(() => {
    // Inside the app, so that npm packages resolve from the bundle as they do from the sources.
    mkdirSync(path.join(appDir, 'node_modules', '.cache'), { recursive: true });
    project = mkdtempSync(path.join(appDir, 'node_modules', '.cache', 'bundle-test-'));
    mkdirSync(path.join(project, 'src'));
    writeFileSync(
      path.join(project, 'src', 'main.ts'),
      [
        "import { Command } from 'commander';",
        "import { word } from './word.js';",
        'const program: Command = new Command(word);',
        'console.log(program.name());',
        "if (process.argv.includes('--later')) console.log((await import('./later.js')).later);",
      ].join('\n'),
    );
    writeFileSync(path.join(project, 'src', 'word.ts'), "export const word: string = 'first';\n");
    writeFileSync(path.join(project, 'src', 'later.ts'), "export const later = 'loaded on demand';\n");
    target = { entry: path.join(project, 'src', 'main.ts'), cacheDir: path.join(project, 'cache') };
  });

  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('builds once, then reuses the build while no input changed', async () => {
    const url = await build(target);
    expect(url).toBeDefined();
    expect(run(url!)).toBe('first');
    expect(await build(target)).toBe(url);
    // A module imported on demand is a chunk of its own.
    expect(readdirSync(path.join(target.cacheDir, path.basename(path.dirname(fileURLToPath(url!)))))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^later-.*\.mjs$/)]),
    );
  });

  it('rebuilds when a source it was built from changes', async () => {
    const first = await build(target);
    writeFileSync(path.join(project, 'src', 'word.ts'), "export const word: string = 'second';\n");
    // Same size, later mtime: still a change.
    const second = await build(target);
    expect(second).not.toBe(first);
    expect(run(second!)).toBe('second');
    writeFileSync(path.join(project, 'src', 'word.ts'), "export const word: string = 'third!';\n");
    utimesSync(path.join(project, 'src', 'word.ts'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(run((await build(target))!)).toBe('third!');
  });

  it('gives every concurrent first run a complete build', async () => {
    const urls = await Promise.all([build(target), build(target), build(target)]);
    for (const url of urls) expect(run(url!)).toBe('first');
  });

  it('returns nothing (the caller runs the sources through tsx) when the sources do not compile', async () => {
    writeFileSync(path.join(project, 'src', 'word.ts'), 'export const word: string = ;\n');
    expect(await build(target)).toBeUndefined();
  });

  it('returns nothing when a package would load from a different node_modules than the sources use', async () => {
    mkdirSync(path.join(project, 'src', 'node_modules', 'commander'), { recursive: true });
    writeFileSync(
      path.join(project, 'src', 'node_modules', 'commander', 'package.json'),
      JSON.stringify({ name: 'commander', main: 'index.js' }),
    );
    writeFileSync(
      path.join(project, 'src', 'node_modules', 'commander', 'index.js'),
      'exports.Command = class {};',
    );
    expect(await build(target)).toBeUndefined();
  });

  it('runs the real CLI from its bundle: --version', () => {
    const result = spawnSync(process.execPath, [path.join(appDir, 'bin', 'accessledger.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
