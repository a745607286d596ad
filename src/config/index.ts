export { loadConfig, ConfigError } from './load.js';
export type { RecurraConfig } from './schema.js';
