import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MatrixServerName } from '@govdesk/shared';

/**
 * sync-server configuration: defaults, then a JSON file (GOVDESK_SYNC_CONFIG),
 * then environment variables. Every value is validated; a bad value stops the
 * server at start with the name of the setting. The defaults are documented in
 * sync-server/README.md.
 */

const Port = z.coerce.number().int().min(0).max(65_535);
const Positive = z.coerce.number().int().positive();

export const SyncServerConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: Port.default(8780),
  dataDir: z.string().default('./data'),
  /** Server name → client-server base URL of every homeserver whose users may log in. */
  homeservers: z.record(MatrixServerName, z.url({ protocol: /^https?$/ })).default({}),
  /** Signs session tokens. Without it a random key is generated once and kept in the database, so every instance sharing the database agrees. */
  sessionSecret: z.string().min(32).optional(),
  sessionTtlSeconds: Positive.default(15 * 60),
  refreshTtlSeconds: Positive.default(12 * 60 * 60),
  /** JSON directory (units and people) imported at start; see shared/src/directory. */
  directoryFile: z.string().optional(),
  /** When set, /metrics wants `Authorization: Bearer <metricsToken>`; when not, it answers loopback clients only. */
  metricsToken: z.string().min(16).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Names this process in GET /healthz, so that whoever started it can tell it from another process answering on
   * the same port (`npm start` passes a fresh one). Random for each start when not set.
   */
  instanceId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'at most 128 letters, digits, ".", "_", ":" or "-"')
    .default(() => randomUUID()),
  limits: z
    .object({
      /** Largest WebSocket message accepted (fragments counted together); a larger one closes the socket with 1009. */
      maxFrameBytes: Positive.default(16 * 1024 * 1024),
      /** Largest JSON request body accepted (413 beyond). */
      maxBodyBytes: Positive.default(1024 * 1024),
      /** A connection whose unsent data passes this is dropped (slow consumer). */
      maxBufferedBytesPerConnection: Positive.default(64 * 1024 * 1024),
      maxConnectionsPerUser: Positive.default(64),
      /** Token bucket per connection: sustained frames per second and burst. */
      framesPerSecond: Positive.default(500),
      frameBurst: Positive.default(2_000),
      /** Token bucket per client address for POST /api/session (an office behind one NAT logs in at the same time). */
      sessionsPerMinute: Positive.default(300),
      /** Presence (awareness) changes on a document are batched and forwarded at most once per this interval. */
      awarenessIntervalMs: z.coerce.number().int().min(0).default(50),
      /** Seconds a WebSocket may stay silent before the server pings it away. */
      idleTimeoutSeconds: Positive.default(60),
      /** Bytes of updates that may wait to be made durable (storage behind); past it the server stops reading from clients until storage catches up. */
      maxPendingBytes: Positive.default(64 * 1024 * 1024),
    })
    .prefault({}),
  storage: z
    .object({
      /** Compact a document's log once it holds this many updates ... */
      compactAfterUpdates: Positive.default(500),
      /** ... or this many bytes. */
      compactAfterBytes: Positive.default(8 * 1024 * 1024),
      /** Unload a document this long after its last connection closed. */
      unloadAfterMs: z.coerce.number().int().min(0).default(30_000),
    })
    .prefault({}),
});
export type SyncServerConfig = z.infer<typeof SyncServerConfig>;

const ENV: Record<string, string[]> = {
  GOVDESK_SYNC_HOST: ['host'],
  GOVDESK_SYNC_PORT: ['port'],
  GOVDESK_SYNC_DATA_DIR: ['dataDir'],
  GOVDESK_SYNC_HOMESERVERS: ['homeservers'],
  GOVDESK_SYNC_SESSION_SECRET: ['sessionSecret'],
  GOVDESK_SYNC_SESSION_TTL_SECONDS: ['sessionTtlSeconds'],
  GOVDESK_SYNC_REFRESH_TTL_SECONDS: ['refreshTtlSeconds'],
  GOVDESK_SYNC_DIRECTORY_FILE: ['directoryFile'],
  GOVDESK_SYNC_LOG_LEVEL: ['logLevel'],
  GOVDESK_SYNC_METRICS_TOKEN: ['metricsToken'],
  GOVDESK_SYNC_INSTANCE_ID: ['instanceId'],
  GOVDESK_SYNC_MAX_FRAME_BYTES: ['limits', 'maxFrameBytes'],
  GOVDESK_SYNC_MAX_BODY_BYTES: ['limits', 'maxBodyBytes'],
  GOVDESK_SYNC_MAX_BUFFERED_BYTES: ['limits', 'maxBufferedBytesPerConnection'],
  GOVDESK_SYNC_MAX_CONNECTIONS_PER_USER: ['limits', 'maxConnectionsPerUser'],
  GOVDESK_SYNC_FRAMES_PER_SECOND: ['limits', 'framesPerSecond'],
  GOVDESK_SYNC_FRAME_BURST: ['limits', 'frameBurst'],
  GOVDESK_SYNC_SESSIONS_PER_MINUTE: ['limits', 'sessionsPerMinute'],
  GOVDESK_SYNC_AWARENESS_INTERVAL_MS: ['limits', 'awarenessIntervalMs'],
  GOVDESK_SYNC_IDLE_TIMEOUT_SECONDS: ['limits', 'idleTimeoutSeconds'],
  GOVDESK_SYNC_MAX_PENDING_BYTES: ['limits', 'maxPendingBytes'],
  GOVDESK_SYNC_COMPACT_AFTER_UPDATES: ['storage', 'compactAfterUpdates'],
  GOVDESK_SYNC_COMPACT_AFTER_BYTES: ['storage', 'compactAfterBytes'],
  GOVDESK_SYNC_UNLOAD_AFTER_MS: ['storage', 'unloadAfterMs'],
};

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let at = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1] as string] = value;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}): SyncServerConfig {
  let raw: Record<string, unknown> = {};
  const file = env.GOVDESK_SYNC_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`GOVDESK_SYNC_CONFIG=${file} does not exist`);
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`GOVDESK_SYNC_CONFIG=${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  // Which setting came from which variable, so that an error names what the operator actually wrote.
  const variableOf = new Map<string, string>();
  for (const [variable, keys] of Object.entries(ENV)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    variableOf.set(keys.join('.'), variable);
    if (variable === 'GOVDESK_SYNC_HOMESERVERS') {
      try {
        setPath(raw, keys, JSON.parse(value));
      } catch {
        throw new ConfigError(`${variable} must be a JSON object of server name → base URL, e.g. {"example.org":"https://matrix.example.org"}`);
      }
    } else {
      setPath(raw, keys, value);
    }
  }
  for (const [key, value] of Object.entries(overrides)) raw[key] = value;
  const parsed = SyncServerConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => {
        const setting = issue.path.join('.');
        const variable = [...variableOf].find(([keys]) => setting === keys || setting.startsWith(`${keys}.`))?.[1];
        const source = variable ? ` (from ${variable})` : file ? ` (from ${file})` : '';
        return `  ${setting || '(root)'}: ${issue.message}${source}`;
      })
      .join('\n');
    throw new ConfigError(`invalid sync-server configuration:\n${problems}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) };
}

/** For a command's entry point: the configuration, or the reason on stderr and exit 78 (EX_CONFIG). */
export function loadConfigOrExit(): SyncServerConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}
