/**
 * The one way to search text with SQL LIKE, the same on SQLite and MariaDB.
 *
 * What users type is matched literally: `%`, `_` and the escape character `!` are escaped, and every LIKE carries an
 * explicit `ESCAPE '!'` (SQLite has no default escape character; MariaDB's default is the backslash, which string
 * literals also interpret). The pattern is always a bound parameter; `!` needs no escaping in an SQL literal on either
 * database. Matching is case-insensitive the way searches always were here: `LOWER(column)` against the lower-cased text.
 */
export const LIKE_ESCAPE = '!';

/** `text` with `%`, `_` and `!` escaped, to be used with `ESCAPE '!'`. */
export function escapeLike(text: string): string {
  return text.replace(/[%_!]/g, (c) => `${LIKE_ESCAPE}${c}`);
}

/** The bound value for a case-insensitive "contains `text`". */
export function containsPattern(text: string): string {
  return `%${escapeLike(text.toLowerCase())}%`;
}

/** `LOWER(expression) LIKE <placeholder> ESCAPE '!'`; the placeholder is `:name` (query builder) or `?` (raw SQL). */
export function likeSql(expression: string, placeholder: string): string {
  return `LOWER(${expression}) LIKE ${placeholder} ESCAPE '${LIKE_ESCAPE}'`;
}

export interface LikeCondition {
  sql: string;
  params: Record<string, string>;
}

/**
 * A query-builder condition: any of `columns` contains `text`, case-insensitively and literally.
 * Use as `qb.andWhere(c.sql, c.params)`; `param` names the bound pattern (unique within the query).
 */
export function likeContains(columns: string | readonly string[], text: string, param = 'q'): LikeCondition {
  const list = typeof columns === 'string' ? [columns] : columns;
  if (list.length === 0) throw new RangeError('likeContains needs at least one column');
  const parts = list.map((c) => likeSql(c, `:${param}`));
  return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`, params: { [param]: containsPattern(text) } };
}

/** Adds "any of `columns` contains `text`" to a query builder; nothing when `text` is empty or absent. */
export function whereContains<Q extends { andWhere(sql: string, params: Record<string, string>): unknown }>(
  qb: Q, columns: string | readonly string[], text: string | undefined, param = 'q',
): Q {
  if (text) {
    const c = likeContains(columns, text, param);
    qb.andWhere(c.sql, c.params);
  }
  return qb;
}
