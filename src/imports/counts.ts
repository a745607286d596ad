export const IMPORT_ENTITIES = ['customers', 'products', 'subscriptions', 'usage'] as const;
export type ImportEntity = (typeof IMPORT_ENTITIES)[number];

export interface EntityCounts {
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  skipped: number;
  errors: number;
}
export type Outcome = keyof EntityCounts;
export type RunCounts = Partial<Record<ImportEntity, EntityCounts>>;

export function emptyCounts(): EntityCounts {
  return { created: 0, updated: 0, unchanged: 0, deactivated: 0, skipped: 0, errors: 0 };
}

export function parseEntities(list: string | string[] | undefined): ImportEntity[] {
  const raw = (Array.isArray(list) ? list : (list ?? IMPORT_ENTITIES.join(',')).split(','))
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const bad = raw.filter((e) => !(IMPORT_ENTITIES as readonly string[]).includes(e));
  if (bad.length > 0) throw new RangeError(`unknown entit${bad.length === 1 ? 'y' : 'ies'} ${bad.join(', ')} (choose from ${IMPORT_ENTITIES.join(', ')})`);
  if (raw.length === 0) throw new RangeError('no entities to import');
  // Always in dependency order: customers before subscriptions before usage.
  return IMPORT_ENTITIES.filter((e) => raw.includes(e));
}
