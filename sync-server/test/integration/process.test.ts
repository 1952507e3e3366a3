import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../build/lib/paths.ts';
import { freePort } from '../../../test/support/net.ts';

const main = path.join(repoRoot, 'sync-server/src/main.ts');

function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH, GOVDESK_SYNC_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'govdesk-sync-')), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('the sync-server process', () => {
  it('answers /healthz, logs JSON, and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = startServer({ GOVDESK_SYNC_PORT: String(port), GOVDESK_SYNC_INSTANCE_ID: 'process-test-1' });
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status, { timeout: 10_000 }).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok', instance: 'process-test-1' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server.output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['sync-server listening', 'shutting down', 'stopped']));
  });

  it('refuses to start with a bad configuration and says which setting', async () => {
    const server = startServer({ GOVDESK_SYNC_PORT: 'eighty' });
    expect(await server.exited).toBe(78);
    expect(server.output()).toMatch(/invalid sync-server configuration:\n\s+port:/);
  });
});
