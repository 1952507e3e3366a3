import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '@govdesk/shared';
import { repoRoot } from '../../../build/lib/paths.ts';
import { secureWebPreferences } from '../../src/main/web-preferences.ts';

/**
 * The Electron hardening, checked on the source text: Electron cannot run
 * here, and importing a module that imports electron would try to download
 * it. Each check reads the TypeScript syntax tree, so a weakened setting, a
 * second BrowserWindow with other preferences, a removed handler or an IPC
 * handler that skips the sender check makes this file fail. The checks of
 * the last block run the same detectors on weakened snippets, to show that
 * they do catch what they are meant to.
 */

const mainDir = path.join(repoRoot, 'desktop/src/main');
const preloadDir = path.join(repoRoot, 'desktop/src/preload');

/** The exact hardened values (docs/security.md, "Window preferences"). */
const REQUIRED_PREFERENCES: Record<string, boolean> = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
};

/**
 * Settings no file in the repository may ever set to these values: the
 * opposite of each required one. (Derived rather than written out, so this
 * file itself contains no weakening property for the scan to find.)
 */
const FORBIDDEN_SETTINGS: Record<string, boolean> = Object.fromEntries(Object.entries(REQUIRED_PREFERENCES).map(([name, value]) => [name, !value]));

// ---------------------------------------------------------------- syntax helpers

function parse(fileName: string, text = readFileSync(fileName, 'utf8')): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
}

function nodesOf(node: ts.Node): ts.Node[] {
  const all: ts.Node[] = [];
  const visit = (child: ts.Node) => {
    all.push(child);
    ts.forEachChild(child, visit);
  };
  visit(node);
  return all;
}

function tsFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...tsFiles(full));
    else if (/\.tsx?$/.test(entry.name)) files.push(full);
  }
  return files;
}

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.cache', '.run', '.tsbuild', 'test-results', 'playwright-report']);

/** Every source file of the repository that can configure Electron: code and HTML. */
function repositorySources(dir = repoRoot): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...repositorySources(full));
    else if (/\.(tsx?|[cm]?js|html)$/.test(entry.name) && statSync(full).size < 2_000_000) files.push(full);
  }
  return files;
}

function propertyName(name: ts.PropertyName): string | null {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return null;
}

function booleanValue(node: ts.Expression): boolean | null {
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  return null;
}

function calleeText(call: ts.CallExpression | ts.NewExpression): string {
  return call.expression.getText();
}

function callsIn(node: ts.Node, callee: string | RegExp): ts.CallExpression[] {
  return nodesOf(node).filter((child): child is ts.CallExpression => ts.isCallExpression(child) && (typeof callee === 'string' ? calleeText(child) === callee : callee.test(calleeText(child))));
}

function functionNamed(source: ts.SourceFile, name: string): ts.FunctionDeclaration {
  const found = nodesOf(source).find((node): node is ts.FunctionDeclaration => ts.isFunctionDeclaration(node) && node.name?.text === name);
  if (!found) throw new Error(`${source.fileName} has no function ${name}`);
  return found;
}

function where(node: ts.Node): string {
  const source = node.getSourceFile();
  const { line } = source.getLineAndCharacterOfPosition(node.getStart());
  return `${path.relative(repoRoot, source.fileName)}:${line + 1}`;
}

/** `contents.on('<event>', (event) => … event.preventDefault() …)` registrations, by event name. */
function preventingListeners(node: ts.Node): Set<string> {
  const events = new Set<string>();
  for (const call of callsIn(node, /\.on$/)) {
    const [name, listener] = call.arguments;
    if (name && ts.isStringLiteral(name) && listener && (ts.isArrowFunction(listener) || ts.isFunctionExpression(listener)) && callsIn(listener, /\.preventDefault$/).length > 0) events.add(name.text);
  }
  return events;
}

// ---------------------------------------------------------------- detectors (also run on weakened snippets below)

/** Property assignments (`x: true`, `'x': true`, `o.x = true`) that set a forbidden value. */
function forbiddenSettingsIn(source: ts.SourceFile): string[] {
  const found: string[] = [];
  for (const node of nodesOf(source)) {
    let name: string | null = null;
    let value: boolean | null = null;
    if (ts.isPropertyAssignment(node)) {
      name = propertyName(node.name);
      value = booleanValue(node.initializer);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)) {
      name = node.left.name.text;
      value = booleanValue(node.right);
    }
    if (name !== null && value !== null && Object.hasOwn(FORBIDDEN_SETTINGS, name) && FORBIDDEN_SETTINGS[name] === value) found.push(`${where(node)} sets ${name}: ${value}`);
  }
  return found;
}

/** <webview> attributes that weaken it, in HTML. */
function forbiddenHtmlIn(text: string): boolean {
  return /<webview\b[^>]*\b(nodeintegration|disablewebsecurity|allowpopups|webpreferences)\b/i.test(text);
}

/** The values of the object literal secureWebPreferences returns, or why they cannot be read. */
function declaredPreferences(source: ts.SourceFile): Record<string, boolean | 'preload'> {
  const fn = functionNamed(source, 'secureWebPreferences');
  const returns = nodesOf(fn).filter(ts.isReturnStatement);
  expect(returns, 'secureWebPreferences has exactly one return').toHaveLength(1);
  const literal = returns[0]?.expression;
  if (!literal || !ts.isObjectLiteralExpression(literal)) throw new Error('secureWebPreferences must return an object literal');
  const values: Record<string, boolean | 'preload'> = {};
  for (const property of literal.properties) {
    if (ts.isShorthandPropertyAssignment(property) && property.name.text === 'preload') {
      values.preload = 'preload';
      continue;
    }
    if (!ts.isPropertyAssignment(property)) throw new Error(`${where(property)}: only plain properties (no spreads, no methods) in secureWebPreferences`);
    const name = propertyName(property.name);
    const value = booleanValue(property.initializer);
    if (name === null || value === null) throw new Error(`${where(property)}: ${property.getText()} is not a literal boolean`);
    values[name] = value;
  }
  return values;
}

/** Every `new BrowserWindow(…)` / `new BrowserView(…)` / `new WebContentsView(…)` whose webPreferences are not secureWebPreferences(…). */
function windowsWithoutSecurePreferences(source: ts.SourceFile): string[] {
  const offenders: string[] = [];
  for (const node of nodesOf(source)) {
    if (!ts.isNewExpression(node) || !/^(BrowserWindow|BrowserView|WebContentsView)$/.test(node.expression.getText())) continue;
    const options = node.arguments?.[0];
    const preferences =
      options && ts.isObjectLiteralExpression(options)
        ? options.properties.find((property): property is ts.PropertyAssignment => ts.isPropertyAssignment(property) && propertyName(property.name) === 'webPreferences')
        : undefined;
    const usesSecure = preferences !== undefined && ts.isCallExpression(preferences.initializer) && preferences.initializer.expression.getText() === 'secureWebPreferences';
    const hasSpread = options !== undefined && ts.isObjectLiteralExpression(options) && options.properties.some(ts.isSpreadAssignment);
    if (!usesSecure || hasSpread) offenders.push(`${where(node)}: ${node.getText().slice(0, 80)}`);
  }
  return offenders;
}

/** IPC registrations that do not run the sender check first, or that live outside ipc.ts's handleFromApp. */
function uncheckedIpc(source: ts.SourceFile): string[] {
  const offenders: string[] = [];
  for (const node of nodesOf(source)) {
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) continue;
    const target = node.expression.expression.getText();
    const method = node.expression.name.text;
    const isRegistration = (target === 'ipcMain' || /\.ipc$/.test(target)) && ['handle', 'handleOnce', 'on', 'once', 'addListener', 'prependListener'].includes(method);
    if (!isRegistration) continue;
    let enclosing: ts.Node | undefined = node.parent;
    while (enclosing && !ts.isFunctionDeclaration(enclosing)) enclosing = enclosing.parent;
    const inWrapper = path.basename(source.fileName) === 'ipc.ts' && enclosing !== undefined && (enclosing as ts.FunctionDeclaration).name?.text === 'handleFromApp';
    const listener = node.arguments[1];
    let checksFirst = false;
    if (listener && (ts.isArrowFunction(listener) || ts.isFunctionExpression(listener)) && ts.isBlock(listener.body)) {
      const [first, second] = listener.body.statements;
      checksFirst =
        first !== undefined &&
        ts.isVariableStatement(first) &&
        callsIn(first, 'senderRefusal').length === 1 &&
        second !== undefined &&
        ts.isIfStatement(second) &&
        nodesOf(second.thenStatement).some(ts.isReturnStatement);
    }
    if (!inWrapper || !checksFirst) offenders.push(`${where(node)}: ${target}.${method} without the sender check of handleFromApp`);
  }
  return offenders;
}

function cspDirectives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

// ---------------------------------------------------------------- the checks

const mainSources = tsFiles(mainDir).map((file) => parse(file));
const mainSource = (name: string) => {
  const found = mainSources.find((source) => path.basename(source.fileName) === name);
  if (!found) throw new Error(`desktop/src/main/${name} is missing`);
  return found;
};

describe('window preferences', () => {
  it('secureWebPreferences declares exactly the hardened values', () => {
    const declared = declaredPreferences(mainSource('web-preferences.ts'));
    for (const [name, value] of Object.entries(REQUIRED_PREFERENCES)) expect(declared[name], name).toBe(value);
    expect(declared.preload).toBe('preload');
  });

  it('and returns them at run time (web-preferences.ts imports electron for types only)', () => {
    const preferences = secureWebPreferences('/app/dist/preload/preload.cjs') as Record<string, unknown>;
    for (const [name, value] of Object.entries(REQUIRED_PREFERENCES)) expect(preferences[name], name).toBe(value);
    expect(preferences.preload).toBe('/app/dist/preload/preload.cjs');
  });

  it('every window the main process creates uses secureWebPreferences, without overrides', () => {
    const created = mainSources.flatMap((source) => nodesOf(source).filter((node) => ts.isNewExpression(node) && node.expression.getText() === 'BrowserWindow'));
    expect(created.length, 'main creates at least one BrowserWindow').toBeGreaterThan(0);
    expect(mainSources.flatMap(windowsWithoutSecurePreferences)).toEqual([]);
  });

  it('no file in the repository weakens Electron: no nodeIntegration, no disabled isolation, sandbox or web security', () => {
    const offenders: string[] = [];
    for (const file of repositorySources()) {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith('.html')) {
        if (forbiddenHtmlIn(text)) offenders.push(`${path.relative(repoRoot, file)}: a weakened <webview>`);
      } else {
        offenders.push(...forbiddenSettingsIn(parse(file, text)));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('main enables the sandbox for every renderer and holds the single-instance lock', () => {
    const main = mainSource('main.ts');
    expect(callsIn(main, 'app.enableSandbox')).toHaveLength(1);
    expect(callsIn(main, 'app.requestSingleInstanceLock')).toHaveLength(1);
    expect(callsIn(main, 'app.setAppUserModelId')).toHaveLength(1);
  });
});

describe('content security policy', () => {
  const directives = cspDirectives(contentSecurityPolicy());

  it("denies by default and allows scripts from the app only (no 'unsafe-eval', no 'unsafe-inline')", () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    const scripts = directives.get('script-src') ?? [];
    expect(scripts).toContain("'self'");
    expect(scripts).not.toContain("'unsafe-eval'");
    expect(scripts).not.toContain("'unsafe-inline'");
    expect(scripts).not.toContain('*');
    expect(scripts.filter((source) => !["'self'", "'wasm-unsafe-eval'"].includes(source))).toEqual([]);
    for (const directive of ['object-src', 'base-uri', 'frame-ancestors', 'form-action']) expect(directives.get(directive), directive).toEqual(["'none'"]);
    expect(directives.get('style-src')?.includes("'unsafe-eval'")).toBe(false);
  });

  it('is the header app:// serves: app-protocol.ts passes contentSecurityPolicy() to the request handler', () => {
    const [handle] = callsIn(mainSource('app-protocol.ts'), 'protocol.handle');
    expect(handle?.arguments[1]?.getText()).toMatch(/contentSecurityPolicy:\s*contentSecurityPolicy\(\)/);
  });

  it('app:// is privileged as standard, secure, fetch-capable and code-cached, nothing more', () => {
    const [register] = callsIn(mainSource('app-protocol.ts'), 'protocol.registerSchemesAsPrivileged');
    const privileges = nodesOf(register as ts.Node).find((node): node is ts.PropertyAssignment => ts.isPropertyAssignment(node) && propertyName(node.name) === 'privileges');
    const literal = privileges?.initializer;
    if (!literal || !ts.isObjectLiteralExpression(literal)) throw new Error('privileges must be an object literal');
    const granted = Object.fromEntries(literal.properties.filter(ts.isPropertyAssignment).map((property) => [propertyName(property.name), booleanValue(property.initializer)]));
    expect(granted).toEqual({ standard: true, secure: true, supportFetchAPI: true, codeCache: true });
  });
});

describe('navigation, new windows, webviews and permissions', () => {
  const guard = mainSource('web-contents-guard.ts');

  it('a web-contents-created handler guards every webContents, installed by main before ready', () => {
    const installer = functionNamed(guard, 'guardAllWebContents');
    const [registration] = callsIn(installer, 'app.on');
    expect(registration?.arguments[0]?.getText()).toBe("'web-contents-created'");
    expect(callsIn(registration as ts.Node, 'guardWebContents')).toHaveLength(1);
    expect(callsIn(mainSource('main.ts'), 'guardAllWebContents')).toHaveLength(1);
  });

  it('will-navigate, will-frame-navigate, will-redirect and will-attach-webview are prevented', () => {
    const events = preventingListeners(functionNamed(guard, 'guardWebContents'));
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) expect(events, event).toContain(event);
  });

  it('setWindowOpenHandler denies every new window', () => {
    const [handler] = callsIn(functionNamed(guard, 'guardWebContents'), /\.setWindowOpenHandler$/);
    const returns = nodesOf(handler as ts.Node).filter(ts.isReturnStatement);
    expect(returns.length).toBeGreaterThan(0);
    for (const statement of returns) expect(statement.expression?.getText()).toBe("{ action: 'deny' }");
  });

  it('shell.openExternal only ever gets a URL that passed externalUrlToOpen', () => {
    const calls = mainSources.flatMap((source) => callsIn(source, 'shell.openExternal'));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const argument = call.arguments[0];
      expect(argument && ts.isIdentifier(argument), where(call)).toBe(true);
      let scope: ts.Node = call;
      while (!ts.isFunctionDeclaration(scope)) scope = scope.parent;
      const declaration = nodesOf(scope).find((node): node is ts.VariableDeclaration => ts.isVariableDeclaration(node) && node.name.getText() === argument?.getText());
      expect(declaration?.initializer?.getText(), where(call)).toMatch(/^externalUrlToOpen\(/);
    }
  });

  it('the default session denies every permission request and check', () => {
    const permissions = mainSource('permissions.ts');
    const [request] = callsIn(permissions, /\.setPermissionRequestHandler$/);
    expect(callsIn(request as ts.Node, 'callback').map((call) => call.arguments[0]?.getText())).toEqual(['false']);
    const [check] = callsIn(permissions, /\.setPermissionCheckHandler$/);
    expect(check?.arguments[0]?.getText()).toBe('() => false');
    const [device] = callsIn(permissions, /\.setDevicePermissionHandler$/);
    expect(device?.arguments[0]?.getText()).toBe('() => false');
    expect(callsIn(mainSource('main.ts'), 'denyAllPermissions').map((call) => call.arguments[0]?.getText())).toEqual(['session.defaultSession']);
  });
});

describe('IPC', () => {
  it('every ipcMain (and webContents.ipc) registration goes through the sender check of handleFromApp', () => {
    const registrations = mainSources.flatMap((source) => callsIn(source, /^ipcMain\./));
    expect(registrations.length).toBeGreaterThan(0);
    expect(mainSources.flatMap(uncheckedIpc)).toEqual([]);
  });

  it('only ipc.ts imports ipcMain', () => {
    const importers = mainSources
      .filter((source) => nodesOf(source).some((node) => ts.isImportSpecifier(node) && (node.propertyName ?? node.name).text === 'ipcMain'))
      .map((source) => path.basename(source.fileName));
    expect(importers).toEqual(['ipc.ts']);
  });

  it('main loads no core module at run time: core runs in its utility process', () => {
    for (const source of mainSources) {
      for (const statement of source.statements) {
        if (!ts.isImportDeclaration(statement) || statement.importClause?.isTypeOnly) continue;
        const from = (statement.moduleSpecifier as ts.StringLiteral).text;
        if (from.includes('/core/')) expect(from, where(statement)).toBe('../core/host/protocol.ts');
      }
    }
  });

  it('the preload exposes one frozen object of two functions as window.govdesk, and nothing raw', () => {
    const preload = parse(path.join(preloadDir, 'preload.ts'));
    const exposures = callsIn(preload, 'contextBridge.exposeInMainWorld');
    expect(exposures.map((call) => call.arguments[0]?.getText())).toEqual(["'govdesk'"]);
    expect(exposures[0]?.arguments[1]?.getText()).toBe('bridge');
    const bridge = parse(path.join(preloadDir, 'bridge.ts'));
    const frozen = callsIn(functionNamed(bridge, 'createPreloadBridge'), 'Object.freeze');
    expect(frozen).toHaveLength(1);
    const exposed = frozen[0]?.arguments[0];
    if (!exposed || !ts.isObjectLiteralExpression(exposed)) throw new Error('the bridge must be an object literal');
    expect(exposed.properties.map((property) => property.name?.getText())).toEqual(['invoke', 'on']);
    for (const file of tsFiles(preloadDir)) expect(readFileSync(file, 'utf8'), file).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });
});

describe('the detectors catch weakened code', () => {
  const snippet = (text: string) => parse(path.join(mainDir, 'snippet.ts'), text);

  it('a weakened setting anywhere', () => {
    expect(forbiddenSettingsIn(snippet('const w = new BrowserWindow({ webPreferences: { nodeIntegration: true } });'))).toHaveLength(1);
    expect(forbiddenSettingsIn(snippet("const p = { 'contextIsolation': false, sandbox: false, webSecurity: false };"))).toHaveLength(3);
    expect(forbiddenSettingsIn(snippet('prefs.allowRunningInsecureContent = true;'))).toHaveLength(1);
    expect(forbiddenSettingsIn(snippet('const p = { nodeIntegration: false, sandbox: true };'))).toEqual([]);
    expect(forbiddenHtmlIn('<webview src="https://x" nodeintegration></webview>')).toBe(true);
  });

  it('a window with its own preferences, or with secure ones overridden', () => {
    expect(windowsWithoutSecurePreferences(snippet('new BrowserWindow({ webPreferences: { sandbox: true } });'))).toHaveLength(1);
    expect(windowsWithoutSecurePreferences(snippet('new BrowserWindow();'))).toHaveLength(1);
    expect(windowsWithoutSecurePreferences(snippet('new BrowserWindow({ ...extra, webPreferences: secureWebPreferences(p) });'))).toHaveLength(1);
    expect(windowsWithoutSecurePreferences(snippet('new WebContentsView({ webPreferences: { } });'))).toHaveLength(1);
    expect(windowsWithoutSecurePreferences(snippet('new BrowserWindow({ width: 1, webPreferences: secureWebPreferences(p) });'))).toEqual([]);
  });

  it('secureWebPreferences with a changed value, a spread or a computed value', () => {
    const changed = declaredPreferences(snippet('export function secureWebPreferences(preload) { return { preload, sandbox: false }; }'));
    expect(changed.sandbox).not.toBe(REQUIRED_PREFERENCES.sandbox);
    expect(() => declaredPreferences(snippet('export function secureWebPreferences(preload) { return { preload, ...defaults }; }'))).toThrow(/only plain properties/);
    expect(() => declaredPreferences(snippet('export function secureWebPreferences(preload) { return { preload, sandbox: isDev }; }'))).toThrow(/not a literal boolean/);
  });

  it('an IPC handler without the sender check, or outside handleFromApp', () => {
    expect(uncheckedIpc(snippet("ipcMain.handle('x', (event) => core.call(event));"))).toHaveLength(1);
    expect(uncheckedIpc(snippet("function f() { contents.ipc.on('x', () => {}); }"))).toHaveLength(1);
    const ipc = (body: string) => parse(path.join(mainDir, 'ipc.ts'), `export function handleFromApp(channel, isOurWindow, handler, log) { ipcMain.handle(channel, (event, ...args) => { ${body} }); }`);
    expect(uncheckedIpc(ipc('return handler(event, ...args);'))).toHaveLength(1);
    expect(uncheckedIpc(ipc('const refusal = senderRefusal(senderFacts(event, isOurWindow)); return handler(event, ...args);'))).toHaveLength(1);
    expect(uncheckedIpc(ipc('const refusal = senderRefusal(senderFacts(event, isOurWindow)); if (refusal !== null) { return refusedAnswer(refusal); } return handler(event, ...args);'))).toEqual([]);
  });

  it('a CSP that allows eval or inline scripts', () => {
    const scripts = cspDirectives("default-src 'self'; script-src 'self' 'unsafe-eval' 'unsafe-inline'").get('script-src');
    expect(scripts).toContain("'unsafe-eval'");
    expect(scripts).toContain("'unsafe-inline'");
  });
});
