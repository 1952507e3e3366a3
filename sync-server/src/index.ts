export { createSyncServer, type SyncServer } from './server.ts';
export { loadConfig, SyncServerConfig, ConfigError } from './config.ts';
export { createLogger } from './logger.ts';
