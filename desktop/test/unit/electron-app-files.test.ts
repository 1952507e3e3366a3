import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '@govdesk/shared';
import { createAppRequestHandler, resolveAppPath } from '../../src/main/app-files.ts';

/**
 * app://govdesk/ serves the built renderer and nothing outside it. The
 * resolver is pure; the handler is run on real Request objects against a
 * small folder in the temp directory (as protocol.handle would call it).
 */

const root = path.resolve('/srv/renderer');

describe('the app:// path resolver', () => {
  it('maps asset URLs into the renderer folder', () => {
    expect(resolveAppPath(root, 'app://govdesk/assets/index-abc.js')).toEqual({ kind: 'file', file: path.join(root, 'assets/index-abc.js') });
    expect(resolveAppPath(root, 'app://govdesk/assets/a%20b.css')).toEqual({ kind: 'file', file: path.join(root, 'assets/a b.css') });
  });

  it('serves the app shell for the root and for client-side routes', () => {
    expect(resolveAppPath(root, 'app://govdesk/')).toEqual({ kind: 'shell' });
    expect(resolveAppPath(root, 'app://govdesk/index.html')).toEqual({ kind: 'shell' });
    expect(resolveAppPath(root, 'app://govdesk/documents/d_0123456789abcdefghijAB')).toEqual({ kind: 'shell' });
  });

  it('never leaves the folder, however the path is spelled', () => {
    for (const url of [
      'app://govdesk/../secret.txt',
      'app://govdesk/assets/../../secret.txt',
      'app://govdesk/%2e%2e/secret.txt',
      'app://govdesk/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://govdesk/..%2f..%2fetc%2fpasswd.txt',
    ]) {
      const resolved = resolveAppPath(root, url);
      if (resolved.kind === 'file') expect(resolved.file.startsWith(root + path.sep), url).toBe(true);
      else expect(resolved.kind === 'shell' || resolved.status === 404, url).toBe(true);
    }
  });

  it('refuses encoded separators and NULs, bad encodings, other hosts and other schemes', () => {
    expect(resolveAppPath(root, 'app://govdesk/assets/..%5c..%5csecret.txt')).toEqual({ kind: 'refused', status: 400 });
    expect(resolveAppPath(root, 'app://govdesk/index.html%00.js')).toEqual({ kind: 'refused', status: 400 });
    expect(resolveAppPath(root, 'app://govdesk/%E0%A4%A.js')).toEqual({ kind: 'refused', status: 400 });
    expect(resolveAppPath(root, 'app://other/index.html')).toEqual({ kind: 'refused', status: 404 });
    expect(resolveAppPath(root, 'app://user@govdesk/index.html')).toEqual({ kind: 'refused', status: 404 });
    expect(resolveAppPath(root, 'file:///srv/renderer/index.html')).toEqual({ kind: 'refused', status: 404 });
    expect(resolveAppPath(root, 'no url')).toEqual({ kind: 'refused', status: 400 });
  });
});

describe('the app:// request handler', () => {
  let handle: (request: Request) => Promise<Response>;
  const csp = contentSecurityPolicy();

  beforeAll(() => {
    const base = mkdtempSync(path.join(tmpdir(), 'govdesk-app-files-'));
    const rendererDir = path.join(base, 'renderer');
    mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>GovDesk</title>');
    writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(rendererDir, 'assets', 'crypto.wasm'), new Uint8Array([0, 97, 115, 109]));
    writeFileSync(path.join(base, 'secret.txt'), 'outside');
    symlinkSync(path.join(base, 'secret.txt'), path.join(rendererDir, 'assets', 'link.txt'));
    handle = createAppRequestHandler({ rendererDir, contentSecurityPolicy: csp });
  });

  it('serves files with their type, the CSP and nosniff', async () => {
    const response = await handle(new Request('app://govdesk/assets/app.js'));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('console.log(1)');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const wasm = await handle(new Request('app://govdesk/assets/crypto.wasm'));
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
  });

  it('serves the app shell for routes, with the CSP', async () => {
    const response = await handle(new Request('app://govdesk/documents'));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>GovDesk</title>');
    expect(response.headers.get('content-security-policy')).toBe(csp);
  });

  it('answers GET only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']) {
      const response = await handle(new Request('app://govdesk/index.html', { method }));
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET');
    }
  });

  it('refuses missing files, traversal and symbolic links out of the folder', async () => {
    expect((await handle(new Request('app://govdesk/assets/missing.js'))).status).toBe(404);
    expect((await handle(new Request('app://govdesk/assets/link.txt'))).status).toBe(404);
    expect((await handle(new Request('app://govdesk/..%2fsecret.txt'))).status).toBe(404);
    expect((await handle(new Request('app://govdesk/assets/..%5c..%5csecret.txt'))).status).toBe(400);
    expect((await handle(new Request('app://elsewhere/index.html'))).status).toBe(404);
  });
});
