/**
 * The subset of Xero's `where` filter the sandbox understands: comparisons `Field=="text"`, `Field!="text"`,
 * `Field==true|false|number` and `Field==Guid("…")`, joined by `AND`/`&&` or `OR`/`||` (AND binds tighter), no
 * parentheses. Anything else is refused with a 400 (the sandbox README says so); Xero's real grammar is larger.
 */
type Comparison = { field: string; op: '==' | '!='; value: string | boolean | number };
type Clause = Comparison[]; // ANDed
export type WhereFilter = (row: Record<string, unknown>) => boolean;

const COMPARISON = /^\s*([A-Za-z][A-Za-z0-9.]*)\s*(==|!=)\s*(?:"((?:[^"\\]|\\.)*)"|Guid\("([^"]*)"\)|(true|false)|(-?\d+(?:\.\d+)?))\s*$/;

export function parseWhere(text: string): WhereFilter {
  const clauses: Clause[] = splitOutsideQuotes(text, /\s+OR\s+|\|\|/).map((part) =>
    splitOutsideQuotes(part, /\s+AND\s+|&&/).map((c) => {
      const m = COMPARISON.exec(c);
      if (!m) throw new WhereError(c.trim());
      const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[4] !== undefined ? m[4] : m[5] !== undefined ? m[5] === 'true' : Number(m[6]);
      return { field: m[1]!, op: m[2] as '==' | '!=', value };
    }),
  );
  return (row) => clauses.some((clause) => clause.every((c) => compare(lookup(row, c.field), c)));
}

export class WhereError extends Error {}

function lookup(row: Record<string, unknown>, field: string): unknown {
  return field.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), row);
}

function compare(actual: unknown, c: Comparison): boolean {
  const eq = typeof c.value === 'string' ? String(actual ?? '').toLowerCase() === c.value.toLowerCase() : actual === c.value;
  return c.op === '==' ? eq : !eq;
}

function splitOutsideQuotes(text: string, sep: RegExp): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    const m = new RegExp(`^(?:${sep.source})`).exec(text.slice(i));
    if (m) {
      out.push(text.slice(start, i));
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
