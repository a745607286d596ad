import { Tenant } from './tenant.js';

export { Tenant };

/** Every entity the data source knows; add new ones here. */
export const ALL_ENTITIES = [Tenant];
