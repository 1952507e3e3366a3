import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * Synapse configuration for GovDesk's local homeservers, produced as JSON
 * (which is valid YAML, so Synapse reads it as it is).
 *
 * Only loopback listeners, no federation, no open registration: accounts are
 * created through the shared-secret admin API. The `openid` resource is served
 * so that the sync-server can check a user's OpenID token
 * (GET /_matrix/federation/v1/openid/userinfo) without enabling federation.
 */

export interface SynapseSecrets {
  registrationSharedSecret: string;
  macaroonSecretKey: string;
  formSecret: string;
  /** Synapse's signing key file content: `ed25519 <key id> <unpadded base64 seed>`. */
  signingKey: string;
}

export interface SynapseConfigOptions {
  serverName: string;
  /** The address Synapse binds inside its environment (127.0.0.1 in a chroot; 0.0.0.0 inside a container whose port is published on loopback only). */
  bindAddress: string;
  /** Port Synapse listens on inside its environment. */
  port: number;
  /** The base URL clients use (for `public_baseurl`). */
  publicBaseUrl: string;
  /** Directory for the database, media and signing key, as Synapse sees it. */
  dataDir: string;
  /** `memory` keeps the database in memory: fast, and wiped on every start (tests). */
  database: 'file' | 'memory';
  /** Test homeservers lift every rate limit so that test speed never trips them. */
  liftRateLimits: boolean;
}

export function generateSynapseSecrets(): SynapseSecrets {
  const secret = () => randomBytes(32).toString('base64url');
  return {
    registrationSharedSecret: secret(),
    macaroonSecretKey: secret(),
    formSecret: secret(),
    signingKey: generateSigningKey(),
  };
}

/** A new ed25519 signing key in Synapse's file format. */
export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  // The PKCS#8 encoding of an Ed25519 key ends with the 32-byte seed.
  const seed = pkcs8.subarray(pkcs8.length - 32);
  const keyId = `a_${randomBytes(3).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
  return `ed25519 ${keyId} ${seed.toString('base64').replace(/=+$/, '')}\n`;
}

const UNLIMITED = { per_second: 10_000, burst_count: 10_000 };

/** Element Web's test homeserver lifts the same limits (playwright/testcontainers/synapse.ts). */
const LIFTED_RATE_LIMITS = {
  rc_message: UNLIMITED,
  rc_registration: UNLIMITED,
  rc_registration_token_validity: UNLIMITED,
  rc_login: { address: UNLIMITED, account: UNLIMITED, failed_attempts: UNLIMITED },
  rc_joins: { local: UNLIMITED, remote: UNLIMITED },
  rc_joins_per_room: UNLIMITED,
  rc_invites: { per_room: UNLIMITED, per_user: UNLIMITED, per_issuer: UNLIMITED },
  rc_3pid_validation: UNLIMITED,
  rc_room_creation: UNLIMITED,
  rc_admin_redaction: UNLIMITED,
  rc_media_create: UNLIMITED,
  rc_delayed_event_mgmt: UNLIMITED,
  rc_presence: { per_user: UNLIMITED },
};

export function synapseConfig(options: SynapseConfigOptions, secrets: SynapseSecrets): Record<string, unknown> {
  const data = (name: string) => `${options.dataDir}/${name}`;
  return {
    server_name: options.serverName,
    public_baseurl: options.publicBaseUrl.endsWith('/') ? options.publicBaseUrl : `${options.publicBaseUrl}/`,
    pid_file: data('homeserver.pid'),
    report_stats: false,
    listeners: [
      {
        port: options.port,
        bind_addresses: [options.bindAddress],
        type: 'http',
        tls: false,
        x_forwarded: false,
        resources: [{ names: ['client', 'openid'], compress: false }],
      },
    ],
    database: {
      name: 'sqlite3',
      args: { database: options.database === 'memory' ? ':memory:' : data('homeserver.db') },
    },
    media_store_path: data('media_store'),
    max_upload_size: '50M',
    signing_key_path: data('signing.key'),
    registration_shared_secret: secrets.registrationSharedSecret,
    macaroon_secret_key: secrets.macaroonSecretKey,
    form_secret: secrets.formSecret,
    enable_registration: false,
    allow_guest_access: false,
    enable_authenticated_media: true,
    // A closed deployment: no federation and no key servers to ask.
    federation_domain_whitelist: [],
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    url_preview_enabled: false,
    presence: { enabled: true },
    // The messaging UI finds colleagues through the user directory. Synapse's default finds only people who
    // share a room with the searcher or sit in a public room, so a new colleague could not be found to start
    // the first conversation; here every local account is searchable, local ones ranked first. Synapse adds
    // every local account to the directory when it registers, so a homeserver that ran without this setting
    // finds everyone once restarted with it. A later issue restricts whom external users (企业联络员, 群众)
    // can find; until then everyone finds everyone.
    user_directory: { enabled: true, search_all_users: true, prefer_local_users: true },
    ...(options.liftRateLimits ? LIFTED_RATE_LIMITS : {}),
  };
}

export function renderSynapseConfig(options: SynapseConfigOptions, secrets: SynapseSecrets): string {
  return `# Generated by GovDesk (build/homeserver/synapse-config.ts); JSON is valid YAML.\n${JSON.stringify(synapseConfig(options, secrets), null, 2)}\n`;
}
