import { Decimal } from 'decimal.js';

/**
 * A JSON number whose literal cannot be represented exactly by a double
 * (more than 15 significant digits, or out of range). Carries the literal text.
 */
export class ExactNumber {
  constructor(readonly source: string) {}
  toJSON(): string {
    return this.source;
  }
}

// A literal with 16+ digits (a dot may sit between them) or a 3-digit exponent
// might not survive a double; everything else provably does (DBL_DIG = 15).
// Outside strings a number follows `:`, `,`, `[` or the start of the text.
// (Two regexes: with `^` as an alternative of the first character V8 tries every position the slow way, twice the time.)
const MAYBE_INEXACT = /[:,[]\s*-?(?:\d(?:\.?\d){15}|\d+(?:\.\d+)?[eE][+-]?\d{3})/;
const MAYBE_INEXACT_AT_START = /^\s*-?(?:\d(?:\.?\d){15}|\d+(?:\.\d+)?[eE][+-]?\d{3})/;
const STRING_OR_NUMBER = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const MARK = '$pax8ExactNumber';

/**
 * JSON.parse that never loses digits of a number literal.
 *
 * Node 20 has no `context.source` in revivers, so: every decimal literal with at
 * most 15 significant digits maps to exactly one double, and `String(double)`
 * gives back that same decimal value, so native JSON.parse is exact for them.
 * Only when the text contains a literal that may be longer (cheap regex test,
 * false positives merely take the slow path) do we rewrite, outside strings,
 * each inexact literal into a marker object that a reviver turns into ExactNumber.
 */
export function parseExactJson(text: string): unknown {
  if (!MAYBE_INEXACT.test(text) && !MAYBE_INEXACT_AT_START.test(text)) return JSON.parse(text);
  let rewrote = false;
  const rewritten = text.replace(STRING_OR_NUMBER, (m) => {
    if (m.charCodeAt(0) === 34 /* " */ || isExactAsDouble(m)) return m;
    rewrote = true;
    return `{"${MARK}":"${m}"}`;
  });
  if (!rewrote) return JSON.parse(text);
  return JSON.parse(rewritten, (_key, value) =>
    value !== null && typeof value === 'object' && typeof value[MARK] === 'string' && Object.keys(value).length === 1
      ? new ExactNumber(value[MARK])
      : value,
  );
}

function isExactAsDouble(literal: string): boolean {
  const n = Number(literal);
  if (!Number.isFinite(n)) return false;
  return new Decimal(String(n)).eq(new Decimal(literal));
}
