import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('sync-server configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8780, sessionTtlSeconds: 900, homeservers: {}, logLevel: 'info' });
    expect(config.limits.maxFrameBytes).toBe(16 * 1024 * 1024);
    expect(config.storage.compactAfterUpdates).toBe(500);
    expect(config.dataDir).toBe(path.resolve('./data'));
  });

  it('reads environment variables, including nested limits and the homeserver allowlist', () => {
    const config = loadConfig({
      GOVDESK_SYNC_PORT: '9000',
      GOVDESK_SYNC_MAX_FRAME_BYTES: '1024',
      GOVDESK_SYNC_HOMESERVERS: '{"gd.gov.cn":"https://matrix.gd.gov.cn"}',
    });
    expect(config.port).toBe(9000);
    expect(config.limits.maxFrameBytes).toBe(1024);
    expect(config.limits.maxConnectionsPerUser).toBe(64);
    expect(config.homeservers).toEqual({ 'gd.gov.cn': 'https://matrix.gd.gov.cn' });
  });

  it('takes the instance ID /healthz answers with from the environment, else a fresh random one per start', () => {
    expect(loadConfig({ GOVDESK_SYNC_INSTANCE_ID: 'start-3f9c' }).instanceId).toBe('start-3f9c');
    const first = loadConfig({}).instanceId;
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(loadConfig({}).instanceId).not.toBe(first);
    expect(() => loadConfig({ GOVDESK_SYNC_INSTANCE_ID: 'has spaces' })).toThrow(/instanceId: .*\(from GOVDESK_SYNC_INSTANCE_ID\)/);
  });

  it('names the setting that is wrong', () => {
    expect(() => loadConfig({ GOVDESK_SYNC_PORT: 'eighty' })).toThrow(/port:/);
    expect(() => loadConfig({ GOVDESK_SYNC_HOMESERVERS: 'matrix.gd.gov.cn' })).toThrow(ConfigError);
    expect(() => loadConfig({ GOVDESK_SYNC_HOMESERVERS: '{"gd.gov.cn":"ftp://x"}' })).toThrow(/homeservers/);
    expect(() => loadConfig({ GOVDESK_SYNC_SESSION_SECRET: 'short' })).toThrow(/sessionSecret/);
    expect(() => loadConfig({ GOVDESK_SYNC_CONFIG: '/nonexistent/config.json' })).toThrow(/does not exist/);
  });
});
