import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy, createDispatcher, decodeFrame, desktopContract, encodeFrame, RENDERER_MIME_TYPES, RpcRequest, shellEvents } from '@govdesk/shared';
import type { Core } from '../core/core.ts';

/**
 * Browser mode: serves the built renderer to any Chromium on loopback and
 * bridges the desktop API over a WebSocket, so the same renderer and core run
 * where Electron cannot (these CI machines) and in end-to-end tests.
 *
 * The bridge is guarded like Electron's IPC: the socket must come from this
 * server's own origin and present the per-launch secret, which reaches the
 * page only in the URL fragment (never sent to a server, never logged).
 *
 * Core's shell events (the unread count, notifications), which Electron main
 * shows natively, travel as frames of their own kind (`SHELL_FRAME`): the
 * bridge shows them as the page title and web notifications, and the
 * renderer never hears of them, as in Electron.
 */

export const BRIDGE_PATH = '/__govdesk/bridge';
export const BRIDGE_SCRIPT_PATH = '/__govdesk/bridge.js';
export const BRIDGE_PROTOCOL = 'govdesk-bridge';
const SECRET_PROTOCOL_PREFIX = 'govdesk-secret.';

/** The `kind` of a frame carrying a shell event: `{ kind: 'shell', event, payload }`, payload checked against shellEvents. */
export const SHELL_FRAME = 'shell';

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** WebSocket close codes of the bridge. */
export const BridgeClose = {
  malformedFrame: 4400,
  goingAway: 1001,
} as const;

export interface BrowserModeOptions {
  core: Core;
  /** The renderer's build output (index.html and assets). */
  rendererDir: string;
  /** The bundled bridge client (desktop/dist/web/bridge.js). */
  bridgeScript: string;
  host?: string;
  port?: number;
  /** For tests: a fixed secret instead of a random one. */
  secret?: string;
  log?: (message: string, details?: Record<string, unknown>) => void;
}

export interface BrowserModeServer {
  /** Origin of the app, e.g. http://127.0.0.1:5190 */
  origin: string;
  /** What to open in a browser: the origin with the launch secret in the fragment. */
  url: string;
  close(): Promise<void>;
}

const MIME = RENDERER_MIME_TYPES;

function secretsEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserModeServer> {
  const host = options.host ?? '127.0.0.1';
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const log = options.log ?? (() => {});
  const rendererDir = path.resolve(options.rendererDir);
  const indexFile = path.join(rendererDir, 'index.html');
  if (!existsSync(indexFile)) throw new Error(`the renderer is not built: ${indexFile} is missing`);
  const bridgeScript = readFileSync(options.bridgeScript);
  // In the script's URL, so that a browser may keep the script (and the code it compiled from it) until it changes.
  const bridgeVersion = createHash('sha256').update(bridgeScript).digest('hex').slice(0, 16);
  // The bridge must define window.govdesk before the app's module runs.
  const indexHtml = readFileSync(indexFile, 'utf8').replace('<head>', `<head>\n    <script type="module" src="${BRIDGE_SCRIPT_PATH}?v=${bridgeVersion}"></script>`);

  const dispatch = createDispatcher(desktopContract, options.core.handlers, (method, error) => log('core method failed', { method, error: String(error) }));
  let origin = '';

  const securityHeaders = () => ({
    'content-security-policy': contentSecurityPolicy({ connectSources: [origin.replace(/^http/, 'ws')] }),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });

  function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    const pathname = decodeURIComponent(url.pathname);
    if (pathname === BRIDGE_SCRIPT_PATH) {
      const cache = url.searchParams.get('v') === bridgeVersion ? IMMUTABLE : 'no-store';
      res.writeHead(200, { 'content-type': MIME['.js'] as string, 'cache-control': cache, ...securityHeaders() });
      res.end(req.method === 'HEAD' ? undefined : bridgeScript);
      return;
    }
    const file = path.resolve(rendererDir, `.${pathname}`);
    const inside = file === rendererDir || file.startsWith(rendererDir + path.sep);
    if (!inside || pathname.includes('\0')) {
      res.writeHead(404).end();
      return;
    }
    if (pathname === '/' || pathname === '/index.html' || !existsSync(file) || !statSync(file).isFile()) {
      // Client-side routes fall back to the app shell.
      res.writeHead(200, { 'content-type': MIME['.html'] as string, 'cache-control': 'no-store', ...securityHeaders() });
      res.end(req.method === 'HEAD' ? undefined : indexHtml);
      return;
    }
    // Vite names what it puts in assets/ by content: a name never changes meaning, so the browser keeps the file and the code
    // it compiled from it (V8's code cache), and a start parses nothing it parsed before.
    const cache = pathname.startsWith('/assets/') ? IMMUTABLE : 'no-cache';
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cache, ...securityHeaders() });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  const server = createServer(serveStatic);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024, handleProtocols: () => BRIDGE_PROTOCOL });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const refuse = (status: number, reason: string) => {
      log('bridge connection refused', { reason, origin: req.headers.origin });
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (new URL(req.url ?? '/', origin).pathname !== BRIDGE_PATH) return refuse(404, 'Not Found');
    if (req.headers.origin !== origin) return refuse(403, 'Forbidden');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((item) => item.trim());
    const presented = offered.find((item) => item.startsWith(SECRET_PROTOCOL_PREFIX))?.slice(SECRET_PROTOCOL_PREFIX.length);
    if (!offered.includes(BRIDGE_PROTOCOL) || presented === undefined || !secretsEqual(presented, secret)) return refuse(401, 'Unauthorized');
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  sockets.on('connection', (ws: WebSocket) => {
    const unsubscribe = options.core.events.subscribe((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame({ kind: 'event', event, payload }));
    });
    // Checked here as Electron main's CoreConnection checks them: the page gets nothing off-contract.
    const unsubscribeShell = options.core.shell.subscribe((event, payload) => {
      const parsed = Object.hasOwn(shellEvents, event) ? shellEvents[event].safeParse(payload) : null;
      if (!parsed?.success) {
        log('dropped an invalid shell event from core', { event });
        return;
      }
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame({ kind: SHELL_FRAME, event, payload: parsed.data }));
    });
    ws.on('close', () => {
      unsubscribe();
      unsubscribeShell();
    });
    ws.on('message', (data, isBinary) => {
      let request: RpcRequest;
      try {
        if (isBinary) throw new SyntaxError('binary frames are not part of the bridge protocol');
        request = RpcRequest.parse(decodeFrame(data.toString()));
      } catch (error) {
        log('malformed bridge frame', { error: String(error) });
        ws.close(BridgeClose.malformedFrame, 'malformed frame');
        return;
      }
      void dispatch(request.method, request.params, { origin }).then((answer) => {
        if (ws.readyState === ws.OPEN) ws.send(encodeFrame({ kind: 'response', id: request.id, ...answer }));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;

  return {
    origin,
    url: `${origin}/#govdesk-secret=${secret}`,
    async close() {
      for (const ws of sockets.clients) ws.close(BridgeClose.goingAway, 'app closing');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
