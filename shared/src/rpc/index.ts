export * from './envelope.ts';
export * from './contract.ts';
export * from './client.ts';
export * from './dispatcher.ts';
export * from './codec.ts';
