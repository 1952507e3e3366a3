import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { RENDERER_MIME_TYPES } from '@govdesk/shared';
import { APP_HOST, APP_SCHEME } from './identity.ts';

/**
 * What app://govdesk/ serves: the built renderer folder and nothing else.
 * Plain Node (Request in, Response out) so that it is tested without
 * Electron; app-protocol.ts hands it to protocol.handle.
 */

const MIME = RENDERER_MIME_TYPES;

export type AppPath = { kind: 'file'; file: string } | { kind: 'shell' } | { kind: 'refused'; status: 400 | 404 };

/**
 * Maps a request URL to a file inside `rendererDir`, by the URL's parsed and
 * decoded path, normalised, and refused when it would leave the folder.
 * Paths without an extension are client-side routes and get the app shell.
 */
export function resolveAppPath(rendererDir: string, url: string): AppPath {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'refused', status: 400 };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username !== '' || parsed.password !== '') return { kind: 'refused', status: 404 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return { kind: 'refused', status: 400 };
  }
  // A backslash is a separator on Windows; a NUL ends a C string. Neither belongs in an asset name.
  if (pathname.includes('\0') || pathname.includes('\\')) return { kind: 'refused', status: 400 };
  if (pathname === '/' || pathname === '/index.html') return { kind: 'shell' };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${pathname}`);
  if (!file.startsWith(root + path.sep)) return { kind: 'refused', status: 404 };
  return path.extname(file) === '' ? { kind: 'shell' } : { kind: 'file', file };
}

export interface AppRequestHandlerOptions {
  rendererDir: string;
  /** The Content-Security-Policy header of every response (contentSecurityPolicy() of @govdesk/shared). */
  contentSecurityPolicy: string;
}

export function createAppRequestHandler(options: AppRequestHandlerOptions): (request: Request) => Promise<Response> {
  const root = path.resolve(options.rendererDir);
  const headers = (contentType: string) => ({
    'content-type': contentType,
    'content-security-policy': options.contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  const refuse = (status: number, extra: Record<string, string> = {}) => new Response(null, { status, headers: { ...headers('text/plain; charset=utf-8'), ...extra } });

  async function serveFile(file: string): Promise<Response | null> {
    try {
      // A symbolic link inside the folder must not lead out of it.
      const real = await realpath(file);
      const realRoot = await realpath(root);
      if (!real.startsWith(realRoot + path.sep)) return null;
      if (!(await stat(real)).isFile()) return null;
      const body = await readFile(real);
      return new Response(new Uint8Array(body), { status: 200, headers: headers(MIME[path.extname(real).toLowerCase()] ?? 'application/octet-stream') });
    } catch {
      return null;
    }
  }

  return async function handleAppRequest(request: Request): Promise<Response> {
    if (request.method !== 'GET') return refuse(405, { allow: 'GET' });
    const target = resolveAppPath(root, request.url);
    if (target.kind === 'refused') return refuse(target.status);
    const response = await serveFile(target.kind === 'shell' ? path.join(root, 'index.html') : target.file);
    return response ?? refuse(404);
  };
}
