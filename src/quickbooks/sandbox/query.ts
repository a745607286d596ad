/**
 * A parser for exactly the SELECT forms Recurra's client sends to `/v3/company/{realmId}/query`:
 *
 *   SELECT * FROM <Entity> [WHERE <cond> [AND <cond>]...] [ORDERBY <Field> [ASC|DESC]] [STARTPOSITION n] [MAXRESULTS n]
 *   <cond>: <Field> = '<text>' | <Field> = <number|true|false> | <Field> IN ('<text>', ...)
 *
 * Keywords are case-insensitive; a literal escapes `'` and `\` with a backslash (Intuit's query language). Anything else
 * is a QueryParserError, as Intuit answers (see README.md).
 */
export interface Condition {
  field: string;
  op: '=' | 'IN';
  values: string[];
}

export interface ParsedQuery {
  entity: string;
  where: Condition[];
  orderBy: { field: string; desc: boolean } | null;
  startPosition: number;
  maxResults: number;
}

export class QueryParseError extends Error {}

type Tok = { t: 'word' | 'str' | 'num' | 'sym'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new QueryParseError('unterminated string literal');
        const d = src[i]!;
        if (d === '\\' && i + 1 < src.length) {
          v += src[i + 1];
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: 'str', v });
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new QueryParseError(`unexpected "${c}"`);
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_*]/.test(c)) {
      const m = /^(\*|[A-Za-z_][A-Za-z0-9_.]*)/.exec(src.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else if ('=(),'.includes(c)) {
      out.push({ t: 'sym', v: c });
      i++;
    } else {
      throw new QueryParseError(`Encountered " "${c}" at column ${i + 1}`);
    }
  }
  return out;
}

export function parseQuery(src: string): ParsedQuery {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const kw = (word: string) => {
    const t = peek();
    if (t && t.t === 'word' && t.v.toUpperCase() === word) {
      p++;
      return true;
    }
    return false;
  };
  const expectKw = (word: string) => {
    if (!kw(word)) throw new QueryParseError(`expected ${word}${peek() ? ` at "${peek()!.v}"` : ' at the end'}`);
  };
  const word = (what: string) => {
    const t = toks[p++];
    if (!t || t.t !== 'word') throw new QueryParseError(`expected ${what}`);
    return t.v;
  };
  const sym = (s: string) => {
    const t = toks[p++];
    if (!t || t.t !== 'sym' || t.v !== s) throw new QueryParseError(`expected "${s}"`);
  };
  const literal = () => {
    const t = toks[p++];
    if (!t) throw new QueryParseError('expected a value');
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'word' && /^(true|false)$/i.test(t.v)) return t.v.toLowerCase();
    throw new QueryParseError(`expected a value at "${t.v}"`);
  };
  const int = (what: string) => {
    const t = toks[p++];
    if (!t || t.t !== 'num' || !/^\d+$/.test(t.v)) throw new QueryParseError(`${what} needs a whole number`);
    return Number(t.v);
  };

  expectKw('SELECT');
  if (word('*') !== '*') throw new QueryParseError('only SELECT * is supported');
  expectKw('FROM');
  const entity = word('an entity');
  const where: Condition[] = [];
  if (kw('WHERE')) {
    do {
      const field = word('a field');
      if (kw('IN')) {
        sym('(');
        const values = [literal()];
        while (peek()?.t === 'sym' && peek()!.v === ',') {
          p++;
          values.push(literal());
        }
        sym(')');
        where.push({ field, op: 'IN', values });
      } else {
        sym('=');
        where.push({ field, op: '=', values: [literal()] });
      }
    } while (kw('AND'));
  }
  let orderBy: ParsedQuery['orderBy'] = null;
  if (kw('ORDERBY')) {
    const field = word('a field');
    const desc = kw('DESC');
    if (!desc) kw('ASC');
    orderBy = { field, desc };
  }
  let startPosition = 1;
  let maxResults = 100;
  if (kw('STARTPOSITION')) startPosition = int('STARTPOSITION');
  if (kw('MAXRESULTS')) maxResults = int('MAXRESULTS');
  if (p < toks.length) throw new QueryParseError(`Encountered "${toks[p]!.v}" after the end of the statement`);
  if (startPosition < 1) throw new QueryParseError('STARTPOSITION counts from 1');
  return { entity, where, orderBy, startPosition, maxResults };
}
