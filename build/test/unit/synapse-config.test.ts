import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, generateSynapseSecrets, synapseConfig, type SynapseConfigOptions } from '../../homeserver/synapse-config.ts';

const options: SynapseConfigOptions = {
  serverName: 'localhost',
  bindAddress: '127.0.0.1',
  port: 18008,
  publicBaseUrl: 'http://127.0.0.1:18008',
  dataDir: '/var/lib/govdesk/test',
  database: 'memory',
  liftRateLimits: true,
};

describe('the Synapse configuration GovDesk generates', () => {
  const secrets = generateSynapseSecrets();

  it('listens on loopback only and serves the client API and OpenID userinfo, nothing else', () => {
    const config = synapseConfig(options, secrets);
    expect(config.listeners).toEqual([
      { port: 18008, bind_addresses: ['127.0.0.1'], type: 'http', tls: false, x_forwarded: false, resources: [{ names: ['client', 'openid'], compress: false }] },
    ]);
    expect(config.federation_domain_whitelist).toEqual([]);
    expect(config.enable_registration).toBe(false);
    expect(config.registration_shared_secret).toBe(secrets.registrationSharedSecret);
  });

  it('lifts rate limits for tests only', () => {
    const test = synapseConfig(options, secrets);
    const dev = synapseConfig({ ...options, liftRateLimits: false, database: 'file' }, secrets);
    expect(test.rc_message).toEqual({ per_second: 10_000, burst_count: 10_000 });
    expect(test.rc_login).toMatchObject({ failed_attempts: { per_second: 10_000 } });
    expect(dev.rc_message).toBeUndefined();
    expect(test.database).toEqual({ name: 'sqlite3', args: { database: ':memory:' } });
    expect(dev.database).toEqual({ name: 'sqlite3', args: { database: '/var/lib/govdesk/test/homeserver.db' } });
  });

  it('lets every local account be found in the user directory, dev and test alike', () => {
    for (const profile of [options, { ...options, liftRateLimits: false, database: 'file' as const }]) {
      expect(synapseConfig(profile, secrets).user_directory).toEqual({ enabled: true, search_all_users: true, prefer_local_users: true });
    }
  });

  it('makes a new random secret every time', () => {
    expect(generateSynapseSecrets().registrationSharedSecret).not.toBe(secrets.registrationSharedSecret);
    expect(secrets.registrationSharedSecret.length).toBeGreaterThanOrEqual(43);
  });

  it('writes an ed25519 signing key in the format Synapse reads, from a usable seed', () => {
    const line = generateSigningKey();
    const match = /^ed25519 (a_[A-Za-z0-9]+) ([A-Za-z0-9+/]{43})\n$/.exec(line);
    expect(match).not.toBeNull();
    const seed = Buffer.from(match![2] as string, 'base64');
    expect(seed).toHaveLength(32);
    // Rebuild the key from the seed and prove it signs and verifies.
    const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
    const signature = sign(null, Buffer.from('govdesk'), privateKey);
    expect(verify(null, Buffer.from('govdesk'), createPublicKey(privateKey), signature)).toBe(true);
  });
});
