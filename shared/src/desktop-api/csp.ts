/**
 * The renderer's Content-Security-Policy, one definition for Electron's app://
 * protocol and for browser mode.
 *
 * - scripts only from the app itself; 'wasm-unsafe-eval' only because
 *   matrix-js-sdk's Rust crypto is WebAssembly (element-web#12262);
 * - 'unsafe-inline' for styles only: antd's CSS-in-JS inserts <style> elements;
 * - network only to the app and the servers it is configured for.
 */
export function contentSecurityPolicy(options: { connectSources?: readonly string[] } = {}): string {
  const connect = ["'self'", ...(options.connectSources ?? [])];
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
