import type { z } from 'zod';

/**
 * Compiled record decoders: the zod schemas of this folder stay the one definition of a Pax8 record, and
 * `compileSchema` turns one into a plain function of closures (an object's own code generated, see compileObject)
 * that accepts what the schema accepts and returns what it returns (same keys in the same order, the same transforms
 * and refinements run on the same values), without zod's per-field payload objects. It covers the constructs these
 * schemas use (object, optional, nullable, string, number, boolean, unknown, custom, pipe, transform, union, array and
 * their length, range, regex and refine checks); a schema with anything else is not compiled (`undefined`) and parsed
 * by zod.
 *
 * A compiled decoder only ever says "valid, here is the value" or `FAIL`. On FAIL the caller asks zod itself, whose
 * answer (usually the issues, worded as before) is authoritative: the decoder may be stricter than zod in corner
 * cases (a string over its maximum in UTF-16 units but not in code points), never looser.
 * Test: test/unit/pax8/compiled-schemas.test.ts compares both on the sandbox's records and on broken variants.
 */
export const FAIL: unique symbol = Symbol('pax8 record does not decode');
export type Decoder = (value: unknown) => unknown;

interface ZodInternals {
  def: Record<string, any> & { type: string; checks?: Array<{ _zod: { def: Record<string, any> & { check: string } } }> };
  optin?: string;
  optout?: string;
}
const internals = (s: unknown): ZodInternals => (s as { _zod: ZodInternals })._zod;

class Unsupported extends Error {}

const cache = new WeakMap<object, Decoder | null>();

/** The compiled decoder of `schema`, or undefined if it uses a construct this compiler does not know. */
export function compileSchema(schema: z.ZodType): Decoder | undefined {
  let out = cache.get(schema);
  if (out === undefined) {
    try {
      out = compile(schema);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      out = null;
    }
    cache.set(schema, out);
  }
  return out ?? undefined;
}

function compile(schema: unknown): Decoder {
  const zod = internals(schema);
  const def = zod.def;
  const base = compileType(def, schema);
  const checks = (def.checks ?? []).map((c) => compileCheck(c._zod.def));
  if (checks.length === 0) return base;
  if (checks.length === 1) {
    const check = checks[0]!;
    return (v) => {
      const out = base(v);
      return out === FAIL || !check(out) ? FAIL : out;
    };
  }
  return (v) => {
    const out = base(v);
    if (out === FAIL) return FAIL;
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(out)) return FAIL;
    return out;
  };
}

type Check = (value: any) => boolean;

function compileCheck(def: Record<string, any> & { check: string }): Check {
  // Length checks carry zod's own `when` (the value has a length), always true after the type's own test.
  if (def.when && def.check !== 'max_length' && def.check !== 'min_length') throw new Unsupported();
  switch (def.check) {
    case 'max_length': {
      const max = def.maximum as number;
      // In UTF-16 units: never looser than zod's code points (a longer string goes to zod).
      return (v) => v.length <= max;
    }
    case 'min_length': {
      const min = def.minimum as number;
      // Code points are at least half the units: at twice the minimum in units the minimum is met for sure.
      return (v) => v.length >= min * 2 || (typeof v === 'string' ? [...v].length >= min : v.length >= min);
    }
    case 'greater_than': {
      const value = def.value;
      if (typeof value !== 'number') throw new Unsupported();
      return def.inclusive ? (v) => v >= value : (v) => v > value;
    }
    case 'less_than': {
      const value = def.value;
      if (typeof value !== 'number') throw new Unsupported();
      return def.inclusive ? (v) => v <= value : (v) => v < value;
    }
    case 'number_format':
      if (def.format === 'safeint') return (v) => Number.isSafeInteger(v);
      throw new Unsupported();
    case 'string_format': {
      if (def.format !== 'regex' || !(def.pattern instanceof RegExp)) throw new Unsupported();
      const pattern = def.pattern as RegExp;
      return (v) => {
        pattern.lastIndex = 0;
        return pattern.test(v);
      };
    }
    case 'custom': {
      const fn = def.fn as (v: unknown) => unknown;
      return (v) => {
        const r = fn(v);
        if (r instanceof Promise) throw new Unsupported();
        return Boolean(r);
      };
    }
    default:
      throw new Unsupported();
  }
}

function compileType(def: ZodInternals['def'], schema: unknown): Decoder {
  switch (def.type) {
    case 'string':
      if (def.coerce) throw new Unsupported();
      return (v) => (typeof v === 'string' ? v : FAIL);
    case 'number':
      if (def.coerce) throw new Unsupported();
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : FAIL);
    case 'boolean':
      if (def.coerce) throw new Unsupported();
      return (v) => (typeof v === 'boolean' ? v : FAIL);
    case 'unknown':
    case 'any':
      return (v) => v;
    case 'custom': {
      const fn = def.fn as (v: unknown) => unknown;
      return (v) => {
        const r = fn(v);
        if (r instanceof Promise) throw new Unsupported();
        return r ? v : FAIL;
      };
    }
    case 'optional': {
      if (internals(def.innerType).optin === 'defaulted') throw new Unsupported();
      const inner = compile(def.innerType);
      return (v) => (v === undefined ? undefined : inner(v));
    }
    case 'nullable': {
      const inner = compile(def.innerType);
      return (v) => (v === null ? null : inner(v));
    }
    case 'pipe': {
      const first = compile(def.in);
      const then = compile(def.out);
      return (v) => {
        const mid = first(v);
        return mid === FAIL ? FAIL : then(mid);
      };
    }
    case 'transform': {
      const fn = def.transform as (v: unknown, ctx: unknown) => unknown;
      const issues: unknown[] = [];
      const ctx = { value: undefined as unknown, issues, addIssue: (issue: unknown) => void issues.push(issue) };
      return (v) => {
        if (issues.length !== 0) issues.length = 0; // (setting length costs even when it is 0 already)
        ctx.value = v;
        const out = fn(v, ctx);
        if (out instanceof Promise) throw new Unsupported();
        if (issues.length > 0) {
          issues.length = 0;
          return FAIL;
        }
        return out;
      };
    }
    case 'union': {
      const options = (def.options as unknown[]).map(compile);
      if (def.inclusive === false || def.discriminator !== undefined) throw new Unsupported();
      return (v) => {
        for (let i = 0; i < options.length; i++) {
          const out = options[i]!(v);
          if (out !== FAIL) return out;
        }
        return FAIL;
      };
    }
    case 'array': {
      const element = compile(def.element);
      return (v) => {
        if (!Array.isArray(v)) return FAIL;
        const out = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const e = element(v[i]);
          if (e === FAIL) return FAIL;
          out[i] = e;
        }
        return out;
      };
    }
    case 'object':
      return compileObject(def, schema);
    default:
      throw new Unsupported();
  }
}

/** zod's strip mode: the shape's keys in the shape's order, an absent optional key left out, unknown keys dropped. */
function compileObject(def: ZodInternals['def'], _schema: unknown): Decoder {
  if (def.catchall !== undefined) throw new Unsupported();
  const shape = def.shape as Record<string, unknown>;
  if (Object.getOwnPropertySymbols(shape).length > 0) throw new Unsupported();
  const keys = Object.keys(shape).filter((k) => k !== '__proto__');
  const fields = keys.map((key) => {
    const field = shape[key];
    const { optin, optout } = internals(field);
    let optional: boolean;
    if (optin === undefined) optional = false;
    else if (optin === 'optional' && optout === 'optional') optional = true;
    else throw new Unsupported();
    return { key, optional, decode: compile(field) };
  });
  // Generated code (keys written by JSON.stringify, never `__proto__`): each key a property literal, so each read and
  // store has an inline cache of its own; a loop over the keys made every one megamorphic (100k sandbox subscriptions
  // decoded in 260 ms that way, 205 ms so).
  const body = fields.map((f, i) => {
    const key = JSON.stringify(f.key);
    return `v = src[${key}];
  if (v === undefined && !(${key} in src)) { ${f.optional ? '' : 'return FAIL;'} }
  else { v = d[${i}](v); if (v === FAIL) return FAIL; out[${key}] = v; }`;
  });
  return new Function('d', 'FAIL', `return function decodeObject(src) {
  if (typeof src !== 'object' || src === null || Array.isArray(src)) return FAIL;
  const out = {};
  let v;
  ${body.join('\n  ')}
  return out;
};`)(fields.map((f) => f.decode), FAIL) as Decoder;
}
