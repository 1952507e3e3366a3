import { fork, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDesktop, coreHostBundle, desktopDir, mainBundle, preloadBundle, rendererDist } from '../../../build/lib/desktop-build.ts';
import { repoRoot } from '../../../build/lib/paths.ts';

/**
 * The built Electron side, checked as it ships:
 *
 *  - @doyensec/electronegativity over main's and the preload's sources and
 *    esbuild bundles, the renderer's index.html and desktop/package.json,
 *    without network; every finding must be triaged in docs/security.md
 *    (and every triage row must still match a finding);
 *  - what the bundles require: a sandboxed preload can load nothing but
 *    electron;
 *  - the core-process bundle, started in plain Node with a stand-in for
 *    Electron's parentPort: it opens a real encrypted cache, answers through
 *    the contract, and reports a wrong key as such.
 */

const electronegativityRunner = path.join(repoRoot, 'node_modules/@doyensec/electronegativity/dist/runner.js');

/**
 * Runs Electronegativity in a child process with its `got` replaced by a
 * function that fails at once: Electronegativity fetches translations from S3
 * (and security fixes from GitHub, a check also excluded) on every run.
 */
const RUN_SCRIPT = `
const Module = require('node:module');
const { writeFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'got') {
    const refuse = () => Promise.reject(new Error('no network in this test'));
    return Object.assign(refuse, { default: refuse, get: refuse });
  }
  return load.call(this, request, parent, isMain);
};
const [runner, input, output] = process.argv.slice(2);
const loaded = require(runner);
const run = loaded.default ?? loaded;
run({ input, output: null, isSarif: false, isRelative: true, customScan: [], excludeFromScan: ['AvailableSecurityFixesGlobalCheck'], electronVersionOverride: ${JSON.stringify('45.4.1')}, parserPlugins: [] })
  .then((result) => writeFileSync(output, JSON.stringify({
    globalChecks: result.globalChecks,
    atomicChecks: result.atomicChecks,
    errors: result.errors,
    issues: result.issues.map((issue) => ({ id: issue.id, file: issue.file, line: issue.location.line, severity: issue.severity.name, confidence: issue.confidence.name, sample: issue.sample === undefined ? '' : String(issue.sample), description: issue.description })),
  })))
  .catch((error) => { console.error(error); process.exit(1); });
`;

/** The module the canary imports, spelled apart so that greps for electron imports outside main and preload find only real ones. */
const ELECTRON = 'electron';
/** Code that must be flagged: if Electronegativity stops finding this, its clean report on ours means nothing. */
const CANARY = `import { BrowserWindow } from '${ELECTRON}';
export const withNode = new BrowserWindow({ webPreferences: { nodeIntegration: true } });
export const unisolated = new BrowserWindow({ webPreferences: { contextIsolation: false, sandbox: false, webSecurity: false } });
`;
const CANARY_FILE = 'src/main/electronegativity-canary.ts';

interface Finding {
  id: string;
  file: string;
  line: number;
  severity: string;
  confidence: string;
  sample: string;
  description: string;
}

interface TriageRow {
  check: string;
  file: string;
  match: string;
  decision: string;
  reason: string;
}

/** The machine-readable table of docs/security.md between its triage markers. */
function triageTable(): TriageRow[] {
  const doc = readFileSync(path.join(repoRoot, 'docs/security.md'), 'utf8');
  const section = /<!-- electronegativity-triage:start -->([\s\S]*?)<!-- electronegativity-triage:end -->/.exec(doc)?.[1];
  if (!section) throw new Error('docs/security.md has no electronegativity-triage section');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim().replace(/^`|`$/g, ''));
  const lines = section.split('\n').filter((line) => line.trim().startsWith('|'));
  const header = cells(lines[0] ?? '');
  expect(header).toEqual(['Check', 'File', 'Match', 'Decision', 'Reason']);
  return lines.slice(2).map((line) => {
    const [check = '', file = '', match = '', decision = '', reason = ''] = cells(line);
    return { check, file, match, decision, reason };
  });
}

function triaged(finding: Finding, row: TriageRow): boolean {
  return row.check === finding.id && row.file === finding.file && (row.match === '' || finding.sample.includes(row.match));
}

/** Main's and the preload's esbuild bundles, lowered to ES2021: Electronegativity's parser predates class private fields. */
async function lowered(bundle: string, target: string): Promise<void> {
  const esbuild = await import('esbuild');
  const { code } = await esbuild.transform(readFileSync(bundle, 'utf8'), { target: 'es2021', format: 'cjs', loader: 'js' });
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, code);
}

let findings: Finding[];
let report: { globalChecks: number; atomicChecks: number; errors: { file: string; message: string; tolerable: boolean }[] };

beforeAll(async () => {
  await buildDesktop();
  const staging = mkdtempSync(path.join(tmpdir(), 'govdesk-electronegativity-'));
  const input = path.join(staging, 'app');
  mkdirSync(input);
  copyFileSync(path.join(desktopDir, 'package.json'), path.join(input, 'package.json'));
  for (const folder of ['main', 'preload']) cpSync(path.join(desktopDir, 'src', folder), path.join(input, 'src', folder), { recursive: true });
  writeFileSync(path.join(input, CANARY_FILE), CANARY);
  // Electronegativity reads .js, not .cjs.
  await lowered(mainBundle, path.join(input, 'dist/main/main.js'));
  await lowered(preloadBundle, path.join(input, 'dist/preload/preload.js'));
  mkdirSync(path.join(input, 'dist/renderer'), { recursive: true });
  copyFileSync(path.join(rendererDist, 'index.html'), path.join(input, 'dist/renderer/index.html'));

  const script = path.join(staging, 'run-electronegativity.cjs');
  writeFileSync(script, RUN_SCRIPT);
  const output = path.join(staging, 'report.json');
  const run = spawnSync(process.execPath, [script, electronegativityRunner, input, output], { encoding: 'utf8', env: { ...process.env, LANG: 'en-US' }, timeout: 180_000 });
  if (run.status !== 0) throw new Error(`electronegativity failed (${run.status}): ${run.stderr}`);
  const parsed = JSON.parse(readFileSync(output, 'utf8')) as typeof report & { issues: Finding[] };
  report = parsed;
  findings = parsed.issues;
}, 240_000);

describe('Electronegativity', () => {
  it('runs its checks and parses every file it is given', () => {
    expect(report.atomicChecks).toBeGreaterThan(30);
    expect(report.globalChecks).toBeGreaterThanOrEqual(5);
    expect(report.errors.filter((error) => !error.tolerable)).toEqual([]);
  });

  it('flags weakened code (the canary), so its silence on ours means something', () => {
    const canary = new Set(findings.filter((finding) => finding.file === CANARY_FILE).map((finding) => finding.id));
    for (const id of ['NODE_INTEGRATION_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK']) expect(canary, id).toContain(id);
  });

  it('reports nothing that docs/security.md does not triage', () => {
    const rows = triageTable();
    for (const row of rows) {
      expect(['false positive', 'accepted'], `decision of ${row.check} in ${row.file}`).toContain(row.decision);
      expect(row.reason.length, `reason of ${row.check} in ${row.file}`).toBeGreaterThan(20);
    }
    const untriaged = findings.filter((finding) => finding.file !== CANARY_FILE && !rows.some((row) => triaged(finding, row)));
    expect(
      untriaged.map((finding) => `${finding.id} ${finding.file}:${finding.line} ${finding.severity}/${finding.confidence} ${finding.sample.slice(0, 100)}`),
      'findings to fix, or to triage in docs/security.md',
    ).toEqual([]);
  });

  it('has no stale rows in the triage table', () => {
    const stale = triageTable().filter((row) => !findings.some((finding) => triaged(finding, row)));
    expect(stale, 'rows of docs/security.md that match no finding any more').toEqual([]);
  });
});

function requiredModules(bundle: string): string[] {
  return [...new Set([...readFileSync(bundle, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] as string))].sort();
}

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

describe('what the bundles load at run time', () => {
  it('the sandboxed preload requires electron and nothing else', () => {
    expect(requiredModules(preloadBundle)).toEqual(['electron']);
  });

  it('main requires electron and Node builtins only (core and SQLite live in the core process)', () => {
    expect(requiredModules(mainBundle).filter((name) => name !== 'electron' && !nodeBuiltins.has(name))).toEqual([]);
  });

  it('the core process requires Node builtins, the SQLite binding and nothing else (ws probes two optional speed-ups)', () => {
    expect(requiredModules(coreHostBundle).filter((name) => !nodeBuiltins.has(name))).toEqual(['better-sqlite3-multiple-ciphers', 'bufferutil', 'utf-8-validate']);
  });
});

/** The built core-host.cjs in plain Node, with `process.parentPort` played by Node's IPC channel. */
function startCoreProcess(dir: string) {
  const shim = path.join(dir, 'parent-port-shim.cjs');
  writeFileSync(
    shim,
    `process.parentPort = { on(event, listener) { if (event === 'message') process.on('message', (data) => listener({ data, ports: [] })); }, postMessage(message) { process.send(message); } };\n`,
  );
  const child = fork(coreHostBundle, [], { execArgv: ['--require', shim], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const received: Record<string, unknown>[] = [];
  const waiters: { test: (message: Record<string, unknown>) => boolean; resolve: (message: Record<string, unknown>) => void }[] = [];
  const secrets = new Map<string, string>();
  child.on('message', (message: Record<string, unknown>) => {
    received.push(message);
    if (message.kind === 'secret') {
      // Main's part: answer secret requests, as CoreConnection does from safeStorage.
      if (message.op === 'set') secrets.set(message.name as string, message.value as string);
      if (message.op === 'delete') secrets.delete(message.name as string);
      child.send({ kind: 'secret-reply', id: message.id, ok: true, value: message.op === 'get' ? (secrets.get(message.name as string) ?? null) : null });
    }
    for (const waiter of [...waiters]) {
      if (waiter.test(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const next = (test: (message: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const earlier = received.find(test);
      if (earlier) return resolve(earlier);
      waiters.push({ test, resolve });
      void exited.then((code) => reject(new Error(`the core process exited (${code}) before answering`)));
    });
  return { child, next, exited };
}

describe('the core-process bundle', () => {
  it('starts in a Node process of its own, answers through the contract, stops cleanly', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'govdesk-core-host-'));
    const key = randomBytes(32).toString('hex');
    const options = { dataDir: path.join(dir, 'core'), databaseKeyHex: key, defaultHomeserverUrl: 'https://matrix.gd.gov.cn', syncServerUrl: null, secretsInShell: true };
    const core = startCoreProcess(dir);
    core.child.send({ kind: 'start', options });
    expect(await core.next((message) => message.kind === 'started' || message.kind === 'start-failed')).toEqual({ kind: 'started' });
    core.child.send({ kind: 'request', id: 1, method: 'app.defaults', params: {}, origin: 'test' });
    expect(await core.next((message) => message.kind === 'response' && message.id === 1)).toEqual({ kind: 'response', id: 1, answer: { ok: true, result: { homeserverUrl: 'https://matrix.gd.gov.cn' } } });
    core.child.send({ kind: 'request', id: 2, method: 'session.login', params: { homeserverUrl: 'not a url' }, origin: 'test' });
    expect(await core.next((message) => message.kind === 'response' && message.id === 2)).toMatchObject({ answer: { ok: false, error: { code: 'invalid_params' } } });
    core.child.send({ kind: 'stop' });
    expect(await core.next((message) => message.kind === 'stopped')).toEqual({ kind: 'stopped' });
    expect(await core.exited).toBe(0);

    // The same cache with another key: reported as a wrong key, and nothing is touched.
    const before = readFileSync(path.join(dir, 'core', readdirCache(path.join(dir, 'core'))));
    const wrong = startCoreProcess(dir);
    wrong.child.send({ kind: 'start', options: { ...options, databaseKeyHex: randomBytes(32).toString('hex') } });
    expect(await wrong.next((message) => message.kind === 'started' || message.kind === 'start-failed')).toMatchObject({ kind: 'start-failed', reason: 'wrong_key' });
    wrong.child.send({ kind: 'stop' });
    await wrong.exited;
    expect(readFileSync(path.join(dir, 'core', readdirCache(path.join(dir, 'core')))).equals(before)).toBe(true);
  }, 60_000);
});

/** The cache file core created (its name is core's business). */
function readdirCache(dir: string): string {
  const files = readdirSync(dir).filter((name) => /\.(db|sqlite|sqlite3)$/.test(name));
  expect(files.length).toBeGreaterThan(0);
  return files[0] as string;
}
