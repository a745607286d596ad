export { createDataSource, openDatabase, describeTarget, type DatabaseTarget } from './data-source.js';
export { decimalTransformer } from './decimal-transformer.js';
export { TenantScope } from './tenant-scope.js';
export * from './entities/index.js';
