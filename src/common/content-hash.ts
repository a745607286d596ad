import { hash } from 'node:crypto';
import { Decimal } from 'decimal.js';

/**
 * Canonical JSON: object keys sorted, Decimals as plain text, undefined as null (a Date, having no own keys, is `{}`:
 * hash dates as ISO text). Written straight to a string: building a sorted copy of every object and then
 * stringifying it cost an import more than SQLite's inserts.
 */
function canonicalJson(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Decimal) return `"${v.toFixed()}"`; // digits, '.', '-': nothing JSON would escape
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(v[i]);
    return `${out}]`;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const shape = shapeOf(Object.keys(o));
    let out = '{';
    for (let i = 0; i < shape.keys.length; i++) out += shape.prefixes[i]! + canonicalJson(o[shape.keys[i]!]);
    return `${out}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Sorted keys in the order a plain object enumerates them once built from sorted entries (the first implementation
 * did that, and stored hashes must not change): array-index keys first, by value, then the others, sorted.
 */
function canonicalOrder(keys: string[]): string[] {
  const sorted = keys.sort();
  if (!sorted.some((k) => ARRAY_INDEX.test(k) && Number(k) < 4294967295)) return sorted;
  const isIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;
  return [...sorted.filter(isIndex).sort((a, b) => Number(a) - Number(b)), ...sorted.filter((k) => !isIndex(k))];
}

interface Shape {
  /** The keys in canonical order. */
  keys: string[];
  /** What precedes each key's value: `"key":`, after a comma but for the first. */
  prefixes: string[];
}

/** Canonical order by an object's keys as listed: records of one kind (lines, fields) share one, computed once. */
const shapes = new Map<string, Shape>();

/** The shape last asked for: records of one kind come one after another, so most lookups end here. */
let last: { own: string[]; shape: Shape } | null = null;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeOf(own: string[]): Shape {
  if (last && sameKeys(last.own, own)) return last.shape;
  const id = JSON.stringify(own); // unambiguous, unlike a join
  let shape = shapes.get(id);
  if (!shape) {
    const keys = canonicalOrder([...own]); // sorts its argument in place; `own` is kept as listed for `last`
    shape = { keys, prefixes: keys.map((k, i) => `${i === 0 ? '' : ','}${JSON.stringify(k)}:`) };
    if (shapes.size >= 1000) shapes.clear(); // arbitrary objects (raw payloads) must not grow it without bound
    shapes.set(id, shape);
  }
  last = { own, shape };
  return shape;
}

/** sha256 (64 hex chars) of a value's canonical JSON: keys sorted, Decimals as plain text, undefined as null. */
export function contentHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex'); // one-shot: no Hash object per record
}
