export * from './directory/index.ts';
export * from './documents/index.ts';
export * from './rpc/index.ts';
export * from './session/index.ts';
export * from './sync-api/index.ts';
export * from './desktop-api/index.ts';
export * from './encoding/base64.ts';
