export * from './access.ts';
export * from './classified.ts';
export * from './content-digest.ts';
export * from './doc-types.ts';
export * from './schema.ts';
export * from './y-protocol.ts';
