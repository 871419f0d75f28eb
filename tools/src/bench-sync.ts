/**
 * End-to-end sync benchmark: the Salesforce emulator runs in a process of its
 * own, and the real `accessledger sync` command runs in another, into
 * PostgreSQL (or the embedded engine), exactly as a user would run it. Prints,
 * for a first sync, an unchanged re-sync and a re-sync after 1% churn: wall
 * time, API calls, query pages, rows/s, the sync process's peak RSS, and the
 * run's lower bound (query pages × latency ÷ concurrency) with the ratio to it.
 *
 *   npm run bench:sync -- [--preset large] [--users N] [--latency 50] [--concurrency 4]
 *                         [--query-ranges 4] [--engine pg|pglite] [--app-root DIR]
 *                         [--compare DIR [--pairs 4]]
 *
 * --app-root runs the `accessledger` of another checkout (an earlier commit, for a before/after on the
 * same machine at the same time); the emulator is always this checkout's.
 *
 * --compare DIR then runs `--pairs` pairs of unchanged re-syncs, one by this run's CLI and one by DIR's,
 * against the same emulator and database, which of the two goes first alternating from pair to pair:
 * machines of this class drift by a quarter within the hour, and runs alternated this way drift
 * together. It prints each run and the medians of both sides and of the paired differences. DIR must be
 * a checkout with the same schema migrations (its CLI refuses a newer database).
 * pg uses TEST_DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres) and creates
 * and drops a database of its own; pglite writes to a temporary folder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '@accessledger/test-postgres';
import { openDatabase, Tables, type DatabaseConfig } from '@accessledger/storage';
import { median } from './statistics.js';

const { values: options } = parseArgs({
  options: {
    preset: { type: 'string', default: 'large' },
    users: { type: 'string' },
    latency: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '4' },
    // Left to the connector's default unless given (an --app-root checkout may not know the setting).
    'query-ranges': { type: 'string' },
    engine: { type: 'string', default: 'pg' },
    'app-root': { type: 'string' },
    compare: { type: 'string' },
    pairs: { type: 'string', default: '4' },
  },
});
const engine = options.engine;
if (engine !== 'pg' && engine !== 'pglite')
  throw new Error(`--engine must be pg or pglite, got "${engine}".`);
const latencyMs = Number(options.latency);
const concurrency = Number(options.concurrency);
const queryRanges = options['query-ranges'] === undefined ? undefined : Number(options['query-ranges']);
if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error('--latency must be a number of ms >= 0.');
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 8)
  throw new Error('--concurrency must be a whole number from 1 to 8.');
if (queryRanges !== undefined && (!Number.isInteger(queryRanges) || queryRanges < 1 || queryRanges > 8))
  throw new Error('--query-ranges must be a whole number from 1 to 8.');
const pairs = Number(options.pairs);
if (!Number.isInteger(pairs) || pairs < 1 || pairs > 50)
  throw new Error('--pairs must be a whole number from 1 to 50.');

const root = fileURLToPath(new URL('../../', import.meta.url));
const appRoot = options['app-root'] ? path.resolve(options['app-root']) : root;
const compareRoot = options.compare ? path.resolve(options.compare) : undefined;
for (const [flag, dir] of [
  ['--app-root', appRoot],
  ['--compare', compareRoot],
] as const) {
  if (dir !== undefined && !existsSync(path.join(dir, 'apps/accessledger/bin/accessledger.js')))
    throw new Error(
      `${flag} ${dir} is not an accessledger checkout (no apps/accessledger/bin/accessledger.js); give the folder a \`git worktree add\` made, with its npm ci run.`,
    );
}
const sourceNode = ['--conditions=@accessledger/source', '--import', 'tsx'];

interface EmulatorProcess {
  readonly pid: number | undefined;
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  stats(): Promise<{ api: number; queryPages: number }>;
  stop(): void;
}

/** Starts the emulator CLI and reads its URL and connected app from what it prints. */
async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const args = [
    // The emulator stands in for Salesforce's servers but shares the machine's cores with the sync being
    // measured. Garbage collection was an eighth of its CPU (profiled); with a 64 MB young generation it
    // spends 2.5–2.7 s of CPU per unchanged re-sync of `large` instead of 2.9–3.2 s.
    '--max-semi-space-size=64',
    ...sourceNode,
    path.join(root, 'packages/salesforce-emulator/src/cli.ts'),
    ...(options.users ? ['--users', options.users] : ['--preset', options.preset]),
    '--latency',
    String(latencyMs),
    // A full benchmark spends far fewer calls; the default budget is an org's, not a benchmark's.
    '--api-limit',
    '10000000',
  ];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, { cwd: root });
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(`emulator: ${chunk.toString()}`));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const seen: string[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else seen.push(line);
  });
  let exited: Error | undefined;
  child.once('exit', (code) => {
    exited = new Error(`The emulator exited with ${code}.`);
    for (const waiter of waiting.splice(0)) waiter('');
  });
  const nextLine = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const buffered = seen.shift();
      if (buffered !== undefined) return resolve(buffered);
      if (exited) return reject(exited);
      waiting.push((line) => (exited ? reject(exited) : resolve(line)));
    });
  const fields = new Map<string, string>();
  while (!fields.has('client secret')) {
    const line = await nextLine();
    const listening = /listening on (\S+)/.exec(line);
    if (listening?.[1]) fields.set('url', listening[1]);
    const field = /^\s+([a-z ]+):\s+(.+)$/.exec(line);
    if (field?.[1] && field[2]) fields.set(field[1].trim(), field[2].trim());
    if (line.startsWith('  org:')) console.log(`emulator${line.slice(1)}`);
  }
  return {
    pid: child.pid,
    baseUrl: fields.get('url') ?? '',
    clientId: fields.get('client id') ?? '',
    clientSecret: fields.get('client secret') ?? '',
    stats: async () => {
      child.stdin.write('stats\n');
      for (;;) {
        const line = await nextLine();
        if (line.startsWith('stats '))
          return JSON.parse(line.slice(6)) as { api: number; queryPages: number };
      }
    },
    stop: () => child.kill('SIGTERM'),
  };
}

interface CliRun {
  readonly stdout: string;
  readonly wallMs: number;
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
}

/** Runs `accessledger …` (of the checkout at `cli`) in a process of its own, reporting its peak RSS at exit. */
function accessledger(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  cli: string = appRoot,
): Promise<CliRun> {
  const reporter = new URL('./report-peak-rss.mjs', import.meta.url).href;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', reporter, path.join(cli, 'apps/accessledger/bin/accessledger.js'), ...args],
      { cwd, env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const usage = /peak-rss-kb (\d+) cpu-us (\d+)/.exec(stderr);
      if (code !== 0) {
        reject(new Error(`accessledger ${args.join(' ')} exited with ${code}:\n${stderr}`));
        return;
      }
      resolve({
        stdout,
        wallMs,
        peakRssBytes: Number(usage?.[1] ?? 0) * 1024,
        cpuSeconds: Number(usage?.[2] ?? 0) / 1e6,
      });
    });
  });
}

/** 1% churn through the org's own REST API: a new Title on 1% of users, 1% of permission set assignments removed. */
async function churn(emulator: EmulatorProcess, users: number): Promise<void> {
  const token = (await (
    await fetch(`${emulator.baseUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
      }),
    })
  ).json()) as { access_token: string };
  const api = async (method: string, resource: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${emulator.baseUrl}/services/data/v63.0${resource}`, {
      method,
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${resource}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const ids = async (soql: string): Promise<string[]> => {
    const page = (await api('GET', `/query?q=${encodeURIComponent(soql)}`)) as { records: { Id: string }[] };
    return page.records.map((record) => record.Id);
  };
  const count = Math.max(1, Math.round(users / 100));
  const userIds = await ids(`SELECT Id FROM User WHERE IsActive = true ORDER BY Id DESC LIMIT ${count}`);
  const assignmentIds = await ids(
    `SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.IsOwnedByProfile = false ORDER BY Id DESC LIMIT ${count * 10}`,
  );
  const stamp = Date.now().toString(36);
  const requests = [
    ...userIds.map((id) => ({
      method: 'PATCH',
      url: `v63.0/sobjects/User/${id}`,
      richInput: { Title: `Churned ${stamp}` },
    })),
    ...assignmentIds.map((id) => ({ method: 'DELETE', url: `v63.0/sobjects/PermissionSetAssignment/${id}` })),
  ];
  for (let start = 0; start < requests.length; start += 25) {
    await api('POST', '/composite/batch', { batchRequests: requests.slice(start, start + 25) });
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux the project runs on). */
const CLOCK_TICKS = 100;

/** A process's /proc/PID/stat times in seconds: its own, and its reaped children's; undefined off Linux or once it is gone. */
function procCpu(pid: number): { own: number; children: number; parent: number; name: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The name is in parentheses and may hold spaces; the fields after it are space-separated.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    const ticks = (index: number): number => Number(fields[index] ?? 0);
    return {
      own: (ticks(11) + ticks(12)) / CLOCK_TICKS,
      children: (ticks(13) + ticks(14)) / CLOCK_TICKS,
      parent: ticks(1),
      name,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the PostgreSQL server has used: its postmaster's own and reaped
 * children's, plus the processes still running under it (backends, parallel
 * workers, background writers). Undefined when no server process is visible.
 */
function postgresCpu(): number | undefined {
  const processes = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => ({ pid: Number(entry), cpu: procCpu(Number(entry)) }))
    .filter((entry) => entry.cpu?.name === 'postgres');
  const pids = new Set(processes.map((entry) => entry.pid));
  const postmaster = processes.find((entry) => !pids.has(entry.cpu?.parent ?? 0));
  if (!postmaster?.cpu) return undefined;
  const children = processes.filter((entry) => entry.cpu?.parent === postmaster.pid);
  return (
    postmaster.cpu.own +
    postmaster.cpu.children +
    children.reduce((sum, entry) => sum + (entry.cpu?.own ?? 0), 0)
  );
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/**
 * `pairs` pairs of unchanged re-syncs, this run's CLI against `other`'s, against the same emulator and
 * database; the first of each pair alternates. Prints each run and the medians.
 */
async function compareUnchanged(env: NodeJS.ProcessEnv, workDir: string, other: string): Promise<void> {
  const sides = { this: appRoot, other } as const;
  const runs: Record<keyof typeof sides, CliRun[]> = { this: [], other: [] };
  console.log(`compare: ${pairs} pairs of unchanged re-syncs, this (${appRoot}) against other (${other})`);
  for (let pair = 0; pair < pairs; pair += 1) {
    const order: (keyof typeof sides)[] = pair % 2 === 0 ? ['this', 'other'] : ['other', 'this'];
    for (const side of order) {
      const load = loadavg()[0] ?? 0;
      const run = await accessledger(['sync', 'bench'], env, workDir, sides[side]);
      runs[side].push(run);
      console.log(
        `  pair ${pair + 1} ${side.padEnd(5)} (load ${load.toFixed(1)}): ${(run.wallMs / 1000).toFixed(2)} s wall, ` +
          `CPU ${run.cpuSeconds.toFixed(1)} s, peak RSS ${mb(run.peakRssBytes)}`,
      );
    }
  }
  const wall = (side: keyof typeof sides) => runs[side].map((run) => run.wallMs / 1000);
  const cpu = (side: keyof typeof sides) => runs[side].map((run) => run.cpuSeconds);
  const differences = runs.this.map((run, index) => (run.wallMs - (runs.other[index]?.wallMs ?? 0)) / 1000);
  for (const side of ['this', 'other'] as const) {
    console.log(
      `  ${side.padEnd(5)} median ${median(wall(side)).toFixed(2)} s wall (${Math.min(...wall(side)).toFixed(2)}–` +
        `${Math.max(...wall(side)).toFixed(2)}), CPU ${median(cpu(side)).toFixed(1)} s, peak RSS ` +
        `${mb(Math.max(...runs[side].map((run) => run.peakRssBytes)))}`,
    );
  }
  console.log(
    `  this − other, per pair: median ${median(differences).toFixed(2)} s (${differences.map((d) => d.toFixed(2)).join(', ')})`,
  );
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'accessledger-bench-sync-'));
  const emulator = await startEmulatorProcess();
  let dropDatabase: () => Promise<void> = async () => undefined;
  try {
    let databaseConfig: DatabaseConfig;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      LOG_LEVEL: 'warn',
      BENCH_SF_CLIENT_SECRET: emulator.clientSecret,
      ACCESSLEDGER_SECRET_KEY: randomBytes(32).toString('base64'),
    };
    if (engine === 'pg') {
      const scratch = await createScratchDatabase('accessledger_bench_sync');
      env['DATABASE_URL'] = scratch.url;
      databaseConfig = { engine: 'pg', url: scratch.url };
      dropDatabase = () => scratch.drop();
    } else {
      env['ACCESSLEDGER_DATA_DIR'] = path.join(workDir, 'db');
      databaseConfig = { engine: 'pglite', dataDir: path.join(workDir, 'db') };
    }
    const config = {
      domain: emulator.baseUrl,
      allowCustomHosts: true,
      auth: { flow: 'client-credentials', clientId: emulator.clientId },
      concurrency,
      ...(queryRanges === undefined ? {} : { queryRanges }),
    };
    await accessledger(
      [
        'connections',
        'add',
        'bench',
        '--connector',
        'salesforce',
        '--config',
        JSON.stringify(config),
        '--secret',
        'clientSecret=env:BENCH_SF_CLIENT_SECRET',
      ],
      env,
      workDir,
    );
    console.log(
      `load average: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores`,
    );
    console.log(
      `engine ${engine}; latency ${latencyMs} ms; concurrency ${concurrency}; query ranges ${queryRanges ?? 'default'}; Node ${process.version}`,
    );
    let users = 0;
    for (const phase of ['first sync', 'unchanged re-sync', 're-sync after 1% churn'] as const) {
      if (phase === 're-sync after 1% churn') await churn(emulator, users);
      const load = loadavg()[0] ?? 0;
      const before = await emulator.stats();
      const emulatorBefore = emulator.pid === undefined ? undefined : procCpu(emulator.pid)?.own;
      const postgresBefore = engine === 'pg' ? postgresCpu() : undefined;
      const run = await accessledger(['sync', 'bench'], env, workDir);
      const postgresAfter = engine === 'pg' ? postgresCpu() : undefined;
      const emulatorAfter = emulator.pid === undefined ? undefined : procCpu(emulator.pid)?.own;
      const after = await emulator.stats();
      const elsewhere = [
        emulatorBefore !== undefined && emulatorAfter !== undefined
          ? `emulator ${(emulatorAfter - emulatorBefore).toFixed(1)} s`
          : '',
        postgresBefore !== undefined && postgresAfter !== undefined
          ? `PostgreSQL ${(postgresAfter - postgresBefore).toFixed(1)} s`
          : '',
      ].filter(Boolean);
      const database = await openDatabase(databaseConfig);
      const snapshot = await database.knex(Tables.snapshots).orderBy('id', 'desc').first<{
        account_count: number;
        entitlement_count: number;
        grant_count: number;
        activity_count: number;
        versions_opened: number;
        versions_closed: number;
      }>();
      await database.close();
      if (!snapshot) throw new Error('The sync recorded no snapshot.');
      users = Number(snapshot.account_count);
      const rows =
        Number(snapshot.account_count) +
        Number(snapshot.entitlement_count) +
        Number(snapshot.grant_count) +
        Number(snapshot.activity_count);
      const calls = after.api - before.api;
      const pages = after.queryPages - before.queryPages;
      const boundMs = (pages * latencyMs) / concurrency;
      const seconds = run.wallMs / 1000;
      console.log(
        `${phase} (load ${load.toFixed(1)}): ${seconds.toFixed(1)} s wall; ${calls} API calls, ${pages} query pages; ` +
          `${rows} rows (${Number(snapshot.versions_opened)} versions opened, ${Number(snapshot.versions_closed)} closed) = ` +
          `${Math.round(rows / seconds)} rows/s; sync process CPU ${run.cpuSeconds.toFixed(1)} s${elsewhere.length > 0 ? ` (${elsewhere.join(', ')})` : ''}, peak RSS ${mb(run.peakRssBytes)}; lower bound ${(boundMs / 1000).toFixed(1)} s ` +
          `(pages × latency ÷ concurrency)${boundMs > 0 ? `, ${(run.wallMs / boundMs).toFixed(1)}× it` : ''}`,
      );
    }
    if (compareRoot) await compareUnchanged(env, workDir, compareRoot);
  } finally {
    emulator.stop();
    await dropDatabase();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
