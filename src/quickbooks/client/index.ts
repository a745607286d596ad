export * from './client.js';
export * from './errors.js';
export * from './pacer.js';
export type { RetryPolicy } from './http.js';
export type * from './types.js';
