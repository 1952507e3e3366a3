export * from './contract.ts';
export * from './csp.ts';
