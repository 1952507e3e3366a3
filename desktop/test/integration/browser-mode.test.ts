import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '@govdesk/shared';
import { createCore, type Core } from '../../src/core/core.ts';
import { BRIDGE_PROTOCOL, BridgeClose, SHELL_FRAME, startBrowserMode, type BrowserModeServer } from '../../src/web/server.ts';
import { testHomeserver } from '../../../test/support/homeserver.ts';
import { createTestUser } from '../../../test/support/matrix.ts';

/**
 * Browser mode's bridge stands in for Electron IPC, so it must refuse what
 * Electron's sender checks refuse: other origins and anyone without the
 * launch secret. Real sockets, a real core, the real test homeserver.
 */

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
let app: BrowserModeServer;
let core: Core;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = mkdtempSync(path.join(tmpdir(), 'govdesk-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body>app</body></html>');
  writeFileSync(path.join(rendererDir, 'app.js'), 'console.log(1)');
  mkdirSync(path.join(rendererDir, 'assets'));
  writeFileSync(path.join(rendererDir, 'assets', 'index-Df2iCihO.js'), 'console.log(2)');
  const bridgeScript = path.join(rendererDir, 'bridge.js');
  writeFileSync(bridgeScript, '/* bridge */');
  core = await createCore({ dataDir: mkdtempSync(path.join(tmpdir(), 'govdesk-core-')), databaseKey: randomBytes(32), defaultHomeserverUrl: testHomeserver().baseUrl });
  app = await startBrowserMode({ core, rendererDir, bridgeScript, secret: SECRET });
});

afterAll(async () => {
  await app.close();
  await core.close();
});

function connect(options: { origin?: string; protocols?: string[] } = {}): Promise<WebSocket> {
  const socket = new WebSocket(`${app.origin.replace('http', 'ws')}/__govdesk/bridge`, options.protocols ?? [BRIDGE_PROTOCOL, `govdesk-secret.${SECRET}`], {
    origin: options.origin ?? app.origin,
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

function call(socket: WebSocket, id: number, method: string, params: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = decodeFrame(data.toString()) as Record<string, unknown>;
      if (frame.kind === 'response' && frame.id === id) {
        socket.off('message', onMessage);
        resolve(frame);
      }
    };
    socket.on('message', onMessage);
    socket.send(encodeFrame({ kind: 'request', id, method, params }));
  });
}

describe('browser mode', () => {
  it('serves the renderer with the app CSP and the bridge script injected first', async () => {
    const response = await fetch(app.origin);
    const html = await response.text();
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(response.headers.get('content-security-policy')).toContain(`connect-src 'self' ${app.origin.replace('http', 'ws')}`);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(html).toMatch(/<head>\s*<script type="module" src="\/__govdesk\/bridge\.js\?v=[0-9a-f]{16}"><\/script>/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(app.url).toBe(`${app.origin}/#govdesk-secret=${SECRET}`);
  });

  it('lets the browser keep what is named by its content (assets/, the bridge by version), and nothing else', async () => {
    const html = await (await fetch(app.origin)).text();
    const bridge = /src="(\/__govdesk\/bridge\.js\?v=[0-9a-f]+)"/.exec(html)?.[1];
    const kept = 'public, max-age=31536000, immutable';
    const versioned = await fetch(`${app.origin}${bridge}`);
    expect(await versioned.text()).toBe('/* bridge */');
    expect(versioned.headers.get('cache-control')).toBe(kept);
    // Another version (a page from before an update) must not keep today's script under its old name.
    expect((await fetch(`${app.origin}/__govdesk/bridge.js?v=0000000000000000`)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${app.origin}/__govdesk/bridge.js`)).headers.get('cache-control')).toBe('no-store');
    const asset = await fetch(`${app.origin}/assets/index-Df2iCihO.js`);
    expect(await asset.text()).toBe('console.log(2)');
    expect(asset.headers.get('cache-control')).toBe(kept);
    expect((await fetch(`${app.origin}/app.js`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${app.origin}/messages/some-room`)).headers.get('cache-control')).toBe('no-store');
  });

  it('serves files of the renderer and nothing outside it', async () => {
    expect(await (await fetch(`${app.origin}/app.js`)).text()).toBe('console.log(1)');
    for (const escape of ['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
      const text = await (await fetch(`${app.origin}${escape}`)).text();
      expect(text, escape).not.toMatch(/root:|"name"/);
    }
    expect((await fetch(app.origin, { method: 'POST' })).status).toBe(405);
  });

  it('refuses bridge sockets without the launch secret or from another origin', async () => {
    await expect(connect({ protocols: [BRIDGE_PROTOCOL, 'govdesk-secret.wrong'] })).rejects.toThrow('HTTP 401');
    await expect(connect({ protocols: [BRIDGE_PROTOCOL] })).rejects.toThrow('HTTP 401');
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect({ origin: app.origin.replace('127.0.0.1', 'localhost') })).rejects.toThrow('HTTP 403');
  });

  it('answers the desktop API over the bridge and validates parameters', async () => {
    const socket = await connect();
    expect(await call(socket, 1, 'app.defaults', {})).toMatchObject({ ok: true, result: { homeserverUrl: testHomeserver().baseUrl } });
    expect(await call(socket, 2, 'session.current', {})).toMatchObject({ ok: true, result: null });
    expect(await call(socket, 3, 'session.login', { homeserverUrl: 'not a url', username: 'x', password: 'y' })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await call(socket, 4, 'no.such.method', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    socket.close();
  });

  it('closes a socket that sends a malformed frame, and keeps serving the others', async () => {
    const bad = await connect();
    const good = await connect();
    const closed = new Promise<number>((resolve) => bad.once('close', (code) => resolve(code)));
    bad.send('{"kind":"request","id":"one"');
    expect(await closed).toBe(BridgeClose.malformedFrame);
    expect(await call(good, 5, 'session.current', {})).toMatchObject({ ok: true });
    good.close();
  });

  it('logs in to the real homeserver, reports a wrong password by its code, and tells every window', async () => {
    const homeserver = testHomeserver();
    const user = await createTestUser(homeserver, 'zhangwei', '张伟');
    const socket = await connect();
    const watcher = await connect();
    const events: unknown[] = [];
    watcher.on('message', (data) => events.push(decodeFrame(data.toString())));

    const wrong = await call(socket, 6, 'session.login', { homeserverUrl: homeserver.baseUrl, username: user.username, password: 'wrong password' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid_credentials' } });

    const right = await call(socket, 7, 'session.login', { homeserverUrl: homeserver.baseUrl, username: user.username, password: user.password });
    expect(right).toMatchObject({ ok: true, result: { userId: user.userId, displayName: '张伟', homeserverUrl: homeserver.baseUrl } });
    await expect.poll(() => events).toContainEqual({ kind: 'event', event: 'session.changed', payload: expect.objectContaining({ userId: user.userId }) });

    expect(await call(socket, 8, 'session.logout', {})).toMatchObject({ ok: true });
    expect(await call(socket, 9, 'session.current', {})).toMatchObject({ ok: true, result: null });
    socket.close();
    watcher.close();
  });

  it("forwards core's shell events as shell frames to every window, and drops those off the contract", async () => {
    const sockets = [await connect(), await connect()];
    const received = sockets.map((socket) => {
      const frames: unknown[] = [];
      socket.on('message', (data) => {
        const frame = decodeFrame(data.toString()) as { kind: string };
        if (frame.kind === SHELL_FRAME) frames.push(frame);
      });
      return frames;
    });
    const emitAnything = core.shell.emit.bind(core.shell) as (event: string, payload: unknown) => void;
    core.shell.emit('shell.badge', { unread: 3 });
    core.shell.emit('shell.notify', { title: '张伟', body: '明天上午九点开会', route: '/messages' });
    emitAnything('shell.badge', { unread: -1 });
    emitAnything('shell.tray', { unread: 1 });
    // Frames arrive in order: once this one is in, anything sent before it would be too.
    core.shell.emit('shell.badge', { unread: 0 });
    for (const frames of received) {
      await expect.poll(() => frames.length).toBeGreaterThanOrEqual(3);
      expect(frames).toEqual([
        { kind: SHELL_FRAME, event: 'shell.badge', payload: { unread: 3 } },
        { kind: SHELL_FRAME, event: 'shell.notify', payload: { title: '张伟', body: '明天上午九点开会', route: '/messages' } },
        { kind: SHELL_FRAME, event: 'shell.badge', payload: { unread: 0 } },
      ]);
    }
    for (const socket of sockets) socket.close();
  });

  it('reports an unreachable homeserver by its code', async () => {
    const socket = await connect();
    const answer = await call(socket, 10, 'session.login', { homeserverUrl: 'http://127.0.0.1:1', username: 'x', password: 'y' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'homeserver_unreachable' } });
    socket.close();
  });
});
