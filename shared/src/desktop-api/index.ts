export * from './contract.ts';
export * from './csp.ts';
export * from './shell.ts';
export * from './mime.ts';
