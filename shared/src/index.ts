export * from './directory/index.ts';
export * from './rpc/index.ts';
export * from './session/index.ts';
export * from './desktop-api/index.ts';
