export * from './contract.ts';
export * from './csp.ts';
export * from './ipc-channels.ts';
export * from './shell.ts';
export * from './routes.ts';
export * from './mime.ts';
