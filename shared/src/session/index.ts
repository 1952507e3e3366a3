export * from './schema.ts';
export * from './sync-session.ts';
