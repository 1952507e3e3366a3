export * from './ids.ts';
export * from './schema.ts';
export * from './uscc.ts';
