import { z } from 'zod';

export { mapPage, paged, parseSort, type Paged } from '../../db/page-query.js';

export const MAX_PAGE_SIZE = 200;

/** Query fields shared by every list: `page` (0-based), `size`, `sort=field,asc|desc`. */
export function listQuery<S extends readonly [string, ...string[]], F extends z.ZodRawShape>(sortFields: S, filters: F, defaultSort: string) {
  const sortRe = new RegExp(`^(${sortFields.join('|')})(,(asc|desc))?$`);
  return z.strictObject({
    page: z.coerce.number().int().min(0).default(0).describe('0-based page number'),
    size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50).describe(`page size, 1-${MAX_PAGE_SIZE}`),
    sort: z
      .string()
      .regex(sortRe, `one of ${sortFields.join(', ')}, optionally followed by ",asc" or ",desc"`)
      .default(defaultSort)
      .describe(`field,asc|desc; fields: ${sortFields.join(', ')}`),
    ...filters,
  });
}


/** A boolean query flag: "true"/"false" (also 1/0). */
export const queryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.object({
      number: z.number().int(),
      size: z.number().int(),
      totalElements: z.number().int(),
      totalPages: z.number().int(),
    }),
  });
}

