import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';

function canonical(v: unknown): unknown {
  if (v instanceof Decimal) return v.toFixed();
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, canonical(o[k])]));
  }
  return v;
}

/** sha256 (64 hex chars) of a value's canonical JSON: keys sorted, Decimals as plain text, undefined as null. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}
