export * from './classified.ts';
export * from './ids.ts';
export * from './schema.ts';
