// Builds and caches a bundle of the CLI's TypeScript sources, so that a run
// starts from plain JavaScript instead of compiling every module through tsx
// (about 2 s and 200 MB less for every command, the daemon's included).
//
// What is bundled: the CLI and the workspace packages it imports (resolved to
// their src/ through the `@accessledger/source` condition). What is not:
// every npm package, which Node loads from node_modules exactly as it would
// for the sources. Modules loaded on demand (the emulator, the daemon's server)
// become chunks of their own, still loaded on demand.
//
// The cache is checked on every run against the size and modification time of
// each file that went into it (esbuild's metafile lists them), so an edited
// source is rebuilt on its next run. A build is written under a fresh name and
// published by renaming its manifest, so concurrent first runs never see a
// half-written bundle; earlier builds stay a day for processes still using them.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const CLI = {
  entry: path.join(appDir, 'src', 'main.ts'),
  cacheDir: path.join(appDir, 'node_modules', '.cache', 'accessledger-cli'),
};
const DAY_MS = 24 * 60 * 60 * 1000;

/** The cached bundle's entry URL when every input is as it was built from, else undefined. */
function cachedEntry({ cacheDir }) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(cacheDir, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, stamp] of Object.entries(manifest.inputs)) {
    let stats;
    try {
      stats = statSync(file);
    } catch {
      return undefined;
    }
    if (`${stats.size}:${stats.mtimeMs}` !== stamp) return undefined;
  }
  const main = path.join(cacheDir, manifest.build, 'main.mjs');
  return existsSync(main) ? pathToFileURL(main).href : undefined;
}

/** The node_modules folder Node would load `name` from, seen from `directory`. */
function packageHome(name, directory) {
  for (let dir = directory; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules' && existsSync(path.join(dir, 'node_modules', name)))
      return path.join(dir, 'node_modules', name);
    if (path.dirname(dir) === dir) return undefined;
  }
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

async function build({ entry, cacheDir }) {
  const esbuild = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  const name = `build-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const outdir = path.join(cacheDir, name);
  const externals = [];
  const result = await esbuild.build({
    entryPoints: { main: entry },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    conditions: ['@accessledger/source'],
    // Class names survive bundling (errors and logs name them).
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'npm-packages-stay-external',
        setup(builder) {
          builder.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@accessledger/') || args.path.startsWith('node:')) return undefined;
            externals.push({ name: packageName(args.path), importer: path.dirname(args.importer) });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  // An npm package must load from where the sources would load it; a workspace
  // package with a nested copy of its own cannot be bundled this way.
  for (const { name, importer } of externals) {
    if (packageHome(name, importer) !== packageHome(name, outdir)) {
      rmSync(outdir, { recursive: true, force: true });
      return undefined;
    }
  }
  const inputs = {};
  const tsconfigs = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = path.resolve(input);
    const stats = statSync(file);
    inputs[file] = `${stats.size}:${stats.mtimeMs}`;
    for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      for (const name of ['tsconfig.json', 'tsconfig.base.json', 'package.json'])
        tsconfigs.add(path.join(dir, name));
      if (existsSync(path.join(dir, 'package-lock.json'))) break;
    }
  }
  for (const file of tsconfigs) {
    if (!existsSync(file)) continue;
    const stats = statSync(file);
    inputs[file] = `${stats.size}:${stats.mtimeMs}`;
  }
  const manifest = JSON.stringify({ build: name, inputs });
  const manifestPath = path.join(cacheDir, 'current.json');
  const staged = `${manifestPath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(staged, manifest);
  renameSync(staged, manifestPath);
  prune(cacheDir, name);
  return pathToFileURL(path.join(outdir, 'main.mjs')).href;
}

/** Removes builds a day old that are no longer current (a running daemon may still load chunks of its own). */
function prune(cacheDir, current) {
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith('build-') || name === current) continue;
    const folder = path.join(cacheDir, name);
    try {
      if (Date.now() - statSync(folder).mtimeMs > DAY_MS) rmSync(folder, { recursive: true, force: true });
    } catch {
      // Another process pruned it first.
    }
  }
}

/**
 * The URL of an up-to-date bundle of the CLI, building it when the sources
 * changed; undefined when it cannot be built here (esbuild missing, a folder
 * that cannot be written, a nested dependency), and the caller runs the sources.
 * `target` is the CLI's entry and cache folder unless a test gives others.
 */
export async function bundledCli(target = CLI) {
  if (process.env.ACCESSLEDGER_NO_BUNDLE === '1') return undefined;
  const cached = cachedEntry(target);
  if (cached) return cached;
  try {
    return await build(target);
  } catch (error) {
    if (process.env.ACCESSLEDGER_DEBUG_BUNDLE === '1') console.error(error);
    return undefined;
  }
}
